export async function createOrtBackend(_o: unknown): Promise<never> { throw new Error("not yet"); }
