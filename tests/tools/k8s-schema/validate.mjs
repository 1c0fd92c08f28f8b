#!/usr/bin/env node
// Reads multi-document YAML on stdin and validates every object against the schema of its apiVersion and kind
// (kubernetes-models for built-in kinds, @kubernetes-models/prometheus-operator for monitoring.coreos.com).
// Prints one line per object; exits 1 when any object is invalid or of a kind it has no schema for.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "monitoring.coreos.com") {
    return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  }
  return group === "" ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

const documents = parseAllDocuments(readFileSync(0, "utf8"))
  .map((d) => d.toJS())
  .filter((o) => o && typeof o === "object");
let failures = 0;
for (const obj of documents) {
  const id = `${obj.apiVersion}/${obj.kind} ${obj.metadata?.name ?? "(no name)"}`;
  try {
    const module = await import(modulePath(obj.apiVersion ?? "", obj.kind ?? ""));
    new module[obj.kind](obj).validate();
    console.log(`valid   ${id}`);
  } catch (error) {
    failures++;
    const reason = error.code === "ERR_MODULE_NOT_FOUND" || error.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" ? "no schema for this kind" : error.message;
    console.log(`INVALID ${id}: ${reason}`);
  }
}
console.log(`${documents.length - failures} valid, ${failures} invalid`);
process.exit(failures === 0 && documents.length > 0 ? 0 : 1);
