import type { UnitStatus } from '../app/unit-controller.js';
import { IO_BOARD_FAULT_SOURCES } from './device-status.js';
import { FLEET_PROTOCOL_VERSION, type Heartbeat, type MeetingReport } from './protocol.js';

type DeviceName = keyof Heartbeat['devices'];
type DeviceStatus = Heartbeat['devices'][DeviceName];

/** Fault sources (UnitController.raiseFault) that belong to each reported device. */
const FAULT_SOURCES: Record<DeviceName, readonly string[]> = {
  camera: ['camera'],
  microphone: ['microphone'],
  speaker: ['speaker'],
  loop: ['loop'],
  ioBoard: IO_BOARD_FAULT_SOURCES,
};

export interface HeartbeatInput {
  status: UnitStatus;
  softwareVersion: string;
  bundleVersion: number;
  uptimeSeconds: number;
  meetings: readonly MeetingReport[];
  /** What the adapters know about devices; a device with an active fault reports 'fault' regardless. */
  devices?: Partial<Record<DeviceName, DeviceStatus>>;
  lastSelfTest?: Heartbeat['lastSelfTest'];
}

/** The heartbeat for the unit's status. No patient data: codes and states only, no URIs or names. Pure. */
export function buildHeartbeat(input: HeartbeatInput): Heartbeat {
  const { status } = input;
  const faultSources = new Set(status.faults.map((f) => f.source));
  const device = (name: DeviceName): DeviceStatus =>
    FAULT_SOURCES[name].some((s) => faultSources.has(s)) ? 'fault' : input.devices?.[name] ?? 'unknown';
  const reg = status.registration;
  return {
    v: FLEET_PROTOCOL_VERSION,
    softwareVersion: input.softwareVersion.slice(0, 64) || 'unknown',
    bundleVersion: input.bundleVersion,
    uptimeSeconds: Math.max(0, Math.floor(input.uptimeSeconds)),
    callState: status.call.state,
    devices: { camera: device('camera'), microphone: device('microphone'), speaker: device('speaker'), loop: device('loop'), ioBoard: device('ioBoard') },
    registration: reg === 'registered' ? 'registered' : reg === 'failed' ? 'failed' : 'unregistered',
    faults: [...new Set(status.faults.map((f) => f.code))].slice(0, 32),
    lastSelfTest: input.lastSelfTest ?? null,
    meetings: input.meetings.slice(0, 100),
  };
}
