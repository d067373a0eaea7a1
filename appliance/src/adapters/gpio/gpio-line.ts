/**
 * One GPIO line, as the button and LED adapters see it. Values are logical: an adapter
 * applies active-low itself, so `true` always means "pressed" or "LED lit".
 */
export interface GpioLine {
  /** Claims the line (export, request, start watching). Throws E_GPIO_UNAVAILABLE. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** The last known logical level of an input line. */
  read(): Promise<boolean>;
  /** Drives an output line. */
  write(value: boolean): Promise<void>;
  /** Logical level changes of an input line; returns the unsubscribe. */
  watch(listener: (value: boolean) => void): () => void;
}

export type GpioDirection = 'in' | 'out';

/** Where a line is and how it is wired, common to both adapters. */
export interface GpioLineSpec {
  /** Chip label (e.g. pinctrl-bcm2711) or name (gpiochip0); unset: the Raspberry Pi header chip. */
  chip?: string;
  /** Offset on the chip: the BCM number on a Raspberry Pi header (GPIO17 -> 17). */
  line: number;
  direction: GpioDirection;
  activeLow?: boolean;
  /** Called when the line fails after open (watcher died, write refused). */
  onError?: (err: Error) => void;
}

/** Labels of the chip that carries the 40-pin header on Raspberry Pi models, newest first. */
export const PI_HEADER_CHIP_LABELS: readonly string[] = ['pinctrl-rp1', 'pinctrl-bcm2712', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

export interface ChipInfo {
  name: string;
  label: string;
  lines: number;
}

/** Picks the chip named or labelled `wanted`, or the Pi header chip when unset; null if none. */
export function pickChip<C extends ChipInfo>(chips: readonly C[], wanted: string | undefined): C | null {
  if (wanted !== undefined) return chips.find((c) => c.name === wanted || c.label === wanted) ?? null;
  for (const label of PI_HEADER_CHIP_LABELS) {
    const c = chips.find((x) => x.label === label);
    if (c) return c;
  }
  return null;
}
