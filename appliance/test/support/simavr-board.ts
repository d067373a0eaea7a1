/** The one way tests start the firmware in simavr (the unit's sim mode uses the same class). */
export { FIRMWARE_ELF, SIM_HARNESS, SimavrBoard, simBoardUnavailable } from '../../src/adapters/ioboard-serial/simavr-board.js';
export type { SimavrBoardOptions } from '../../src/adapters/ioboard-serial/simavr-board.js';
