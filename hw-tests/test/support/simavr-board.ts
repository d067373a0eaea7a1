/** The firmware in simavr: the appliance's one helper (appliance/test/support/simavr-board.ts). */
export { FIRMWARE_ELF, SIM_HARNESS, SimavrBoard, simBoardUnavailable } from '../../../appliance/test/support/simavr-board.js';
