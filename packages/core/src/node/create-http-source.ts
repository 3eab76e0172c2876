// createHttpSource is portable (fetch only); it lives in source/ so the portable readExport can follow
// the download URLs of Claude's export index. This path stays for existing imports.
export { createHttpSource, type HttpSourceOptions } from "../source/create-http-source.js";
