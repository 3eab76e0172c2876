export {
  findPlantedFacts,
  PLANTED_FACT_TEMPLATES,
  type PlantedFactMatch,
  type PlantedFactTemplate,
} from "./planted-facts.js";
