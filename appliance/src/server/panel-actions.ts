/**
 * One place that turns a panel action (REST or /ws) into a controller call, with the rules
 * on when each is allowed. Both transports answer with the same codes.
 */
import type { UnitController } from '../app/unit-controller.js';
import type { SelfTest } from '../app/self-test.js';
import type { CallSnapshot } from '../core/call-state.js';
import type { ControlAction, ControlRole, Controls } from '../core/controls.js';
import { ApplianceError } from '../core/errors.js';
import type { ActionMessage } from './ws-protocol.js';

export interface PanelActionDeps {
  controller: UnitController;
  selfTest: SelfTest;
}

export interface ActionResult {
  call: CallSnapshot;
  controls?: Controls;
}

/** Mute and privacy only mean something in a call; they reset when it ends, so setting them before would be lost or, worse, kept. */
const IN_CALL_ONLY: ReadonlySet<ControlAction['type']> = new Set(['mic-mute', 'camera-private', 'speaker-mute']);

export function applyPanelControl(controller: UnitController, control: ControlAction, role: ControlRole): Controls {
  const state = controller.machine.snapshot().state;
  if (IN_CALL_ONLY.has(control.type) && state !== 'in-call') {
    throw new ApplianceError('E_STATE_TRANSITION', `${control.type} is only possible in a meeting (now ${state})`, { state, control: control.type });
  }
  return controller.setControl(control, role);
}

export async function performAction(deps: PanelActionDeps, msg: Pick<ActionMessage, 'action'> & { control?: ControlAction }, role: ControlRole): Promise<ActionResult> {
  const c = deps.controller;
  switch (msg.action) {
    case 'join': return { call: await c.join() };
    case 'leave': return { call: await c.leave() };
    case 'cancel': return { call: await c.cancel() };
    case 'call-support': return { call: await c.callSupport() };
    case 'self-test': {
      const { done } = deps.selfTest.start();
      void done.catch(() => undefined); // each check catches its own failure; nothing is left to report here
      return { call: c.machine.snapshot() };
    }
    case 'control': {
      if (!msg.control) throw new ApplianceError('E_CONTROL_INVALID', 'no control given');
      const controls = applyPanelControl(c, msg.control, role);
      return { call: c.machine.snapshot(), controls };
    }
  }
}
