import './components/bedside-app/component.js';
import type { BedsideApp } from './components/bedside-app/component.js';
import { UnitStore } from './store/unit-store.js';

const app = document.querySelector<BedsideApp>('bedside-app');
if (app) {
  const store = new UnitStore(UnitStore.urlFor(location));
  app.onAction = (action) => { store.act(action); };
  store.subscribe((view) => { app.view = view; });
  store.start();
}
