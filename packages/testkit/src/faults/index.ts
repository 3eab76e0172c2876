export {
  createFaultyAdapter,
  type FaultyAdapter,
  type FaultyAdapterOptions,
  type KillPoint,
} from "./faulty-adapter.js";
export {
  type ServerlessSimulation,
  type ServerlessSimulatorOptions,
  simulateServerless,
} from "./serverless-simulator.js";
export {
  burnCpu,
  createSyntheticPipeline,
  emptySource,
  type SyntheticPipelineOptions,
  type SyntheticUnitInfo,
  syntheticChunks,
  syntheticConversation,
  syntheticSource,
} from "./synthetic-pipeline.js";
