// Lab images: content-hashed references and the offline-capable builder.
export { IMAGE_NAMES, isImageName, labImagesDir, type ImageName } from './names';
export { imageRef, imageHash, baseRef } from './refs';
export { hashContext, contextFiles } from './hash';
export { buildImages, ensureImages, contextEntries, type BuildOptions, type BuildResult } from './build';
export { ensureBase, NO_BASE_MESSAGE, UPSTREAM_BASE } from './base';
export type { ImageProgress, OnImageProgress } from './progress';
