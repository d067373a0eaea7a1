import type { AppConfig } from '../config/schema.js';
import { validateConfig } from '../config/validate.js';
import type { Logger } from '../log/logger.js';
import { loadAgentState, queueReport, saveAgentState } from './agent-state.js';
import { ConfigSlots } from './config-slots.js';

/** A config that has not confirmed itself after this many boots does not start: roll back before booting it again. */
export const MAX_UNCONFIRMED_BOOTS = 2;

export interface BootConfig {
  config: AppConfig;
  /** 'fleet' when the applied bundle's config is used, 'local' for the unit's own file. */
  source: 'fleet' | 'local';
  version: number;
}

/**
 * The configuration the daemon boots with. On an enrolled unit that is the applied bundle's
 * config (current.json) with the local file's fleet block; otherwise the local file. Counts
 * boots of an unconfirmed config and rolls back one that keeps failing to start. Never
 * throws for fleet state problems: the unit then boots on its local file.
 */
export function resolveBootConfig(local: AppConfig, logger?: Logger): BootConfig {
  const fleet = local.fleet;
  const fallback: BootConfig = { config: local, source: 'local', version: 0 };
  if (!fleet.serverUrl) return fallback;
  try {
    const state = loadAgentState(fleet.stateDir);
    const slots = new ConfigSlots(fleet.stateDir);
    if (state.pending) {
      state.pending.boots += 1;
      if (state.pending.boots > MAX_UNCONFIRMED_BOOTS) {
        const { version, previousVersion } = state.pending;
        slots.rollBack();
        state.appliedVersion = previousVersion;
        state.refusedVersion = Math.max(state.refusedVersion, version);
        state.pending = null;
        queueReport(state, { version, outcome: 'rolled-back', code: 'E_BUNDLE_ROLLED_BACK', message: `version ${version} did not start ${MAX_UNCONFIRMED_BOOTS} times` });
        logger?.error({ code: 'E_BUNDLE_ROLLED_BACK', version, restoredVersion: previousVersion }, 'configuration never confirmed; rolled back before boot');
      }
      saveAgentState(fleet.stateDir, state);
    }
    for (const which of ['current', 'previous'] as const) {
      const slot = slots.read(which);
      if (!slot) continue;
      try {
        return { config: validateConfig({ ...slot.config, fleet: structuredClone(fleet) }), source: 'fleet', version: slot.version };
      } catch (e) {
        logger?.error({ code: 'E_CONFIG_INVALID', slot: which, err: (e as Error).message }, 'applied configuration does not validate');
      }
    }
  } catch (e) {
    logger?.error({ code: (e as { code?: string }).code ?? 'E_FLEET_STATE', err: (e as Error).message }, 'fleet state unreadable; booting on the local config');
  }
  return fallback;
}
