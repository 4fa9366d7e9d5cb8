export { KeyRing, type SigningKey, type RotationSettings } from './key-ring.ts';
export { generateSigningKey } from './generate-key.ts';
export { memoryKeyStorage, type KeyStorage, type StoredKey } from './stored-key.ts';
