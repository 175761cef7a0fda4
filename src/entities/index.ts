// The entity layer (DESIGN §8): entity stores with a cache and snapshots, and command handling.
export { CAUSATION_ID_KEY } from "./command-window.ts";
export { CachedEntityStore } from "./entity-store.ts";
export { EntityRegistry } from "./registry.ts";
export type {
  AnyEntityOptions,
  ContractEntityOptions,
  ContractEntityStore,
  Decision,
  Entity,
  EntityCacheOptions,
  EntityHandler,
  EntityHandlers,
  EntityHost,
  EntityOptions,
  EntitySnapshotOptions,
  EntityStore,
  HandleOptions,
  HandleResult,
  StoreHandleOptions,
} from "./types.ts";
