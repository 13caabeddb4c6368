/**
 * UUIDs as Celery and kombu make them: task ids are random (uuid4); a client's reply
 * queue name ("oid") is `uuid3(NAMESPACE_OID, "<node>-<pid>-<thread>-<instance>")` in hex
 * (`kombu/common.py generate_oid`). Only `node:crypto` is used, so this stays pure.
 */
import { createHash, randomUUID } from 'node:crypto';

/** RFC 4122 namespace for ISO OIDs (Python's `uuid.NAMESPACE_OID`). */
export const NAMESPACE_OID = '6ba7b812-9dad-11d1-80b4-00c04fd430c8';

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new RangeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

/** Python's `uuid.uuid3(namespace, name)`: MD5 of the namespace bytes and UTF-8 name. */
export function uuid3(namespace: string, name: string): string {
  const digest = createHash('md5')
    .update(uuidBytes(namespace))
    .update(Buffer.from(name, 'utf8'))
    .digest();
  digest[6] = (digest[6]! & 0x0f) | 0x30;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A random task id (uuid4), lowercase like Python's `str(uuid4())`. */
export function uuid4(): string {
  return randomUUID();
}

/**
 * kombu's `generate_oid(node_id, process_id, thread_id, instance)`: the reply queue name a
 * client puts in `reply_to`. Pass the numbers in (this package does no I/O); any stable
 * per-process values do, Python only needs the result to be unique per client.
 */
export function generateOid(
  nodeId: number | bigint,
  processId: number,
  threadId: number,
  instanceId: number,
): string {
  const hex = (n: number | bigint) => n.toString(16);
  return uuid3(
    NAMESPACE_OID,
    `${hex(nodeId)}-${hex(processId)}-${hex(threadId)}-${hex(instanceId)}`,
  );
}
