export * from './types';
export { fileByteSource, memoryByteSource, sliceByteSource } from './byteSource';
export { writeSafetensors, writeNpy } from './write';
export type { WritableDType, WritableData, WritableTensor, WriteOptions } from './write';
