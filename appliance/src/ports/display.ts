/**
 * A screen the unit switches with the meeting: the TV (far-end video) over HDMI-CEC and the
 * touch panel's backlight. wake() and standby() reject with a coded error (E_DISPLAY_CEC,
 * E_DISPLAY_PANEL) within a bounded time; they never hang. start()/stop() do nothing harmful twice.
 */
export interface DisplayOutput {
  /** 'tv' or 'panel': the fault source detail and the log name. */
  readonly kind: 'tv' | 'panel';
  wake(): Promise<void>;
  standby(): Promise<void>;
}
