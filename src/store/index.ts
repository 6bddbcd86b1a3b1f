/** The store: the persistence interface and its embedded SQLite implementation. */
export * from './keys.js';
export * from './sqlite-store.js';
export * from './types.js';
