export * from './types.js';
export * from './errors.js';
export * from './duration.js';
export * from './clock.js';
export * from './event-time.js';
export * from './compare.js';
export * from './plural.js';
