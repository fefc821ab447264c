export {
  parseWorkerId,
  type WorkerId,
  workerId,
  workerOrder,
  workersOf,
} from '../disruptions/target.ts';
