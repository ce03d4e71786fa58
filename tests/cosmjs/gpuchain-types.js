// gpuchain's own Msgs for CosmJS: each type is a GeneratedType (encode,
// decode, fromPartial) that a CosmJS Registry accepts, as generated TS types
// would be. Field numbers follow proto/gpuchain/market/v1/tx.proto; the
// wire encoding is cosmjs-types' own BinaryWriter/BinaryReader.
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";

// [jsName, fieldNumber, kind]; kind: string | uint32 | uint64 | int64 | bool | coin | bytes | strings
function messageType(typeUrl, fields) {
  const base = () => {
    const m = {};
    for (const [name, , kind] of fields) {
      m[name] = { string: "", uint32: 0, uint64: 0n, int64: 0n, bool: false, coin: undefined, bytes: new Uint8Array(), strings: [] }[kind];
    }
    return m;
  };
  const wire = { string: 2, uint32: 0, uint64: 0, int64: 0, bool: 0, coin: 2, bytes: 2, strings: 2 };
  return {
    typeUrl,
    encode(message, writer = BinaryWriter.create()) {
      for (const [name, no, kind] of fields) {
        const v = message[name];
        const tag = (no << 3) | wire[kind];
        switch (kind) {
          case "string": if (v) writer.uint32(tag).string(v); break;
          case "uint32": if (v) writer.uint32(tag).uint32(v); break;
          case "uint64": if (BigInt(v ?? 0) !== 0n) writer.uint32(tag).uint64(v); break;
          case "int64": if (BigInt(v ?? 0) !== 0n) writer.uint32(tag).int64(v); break;
          case "bool": if (v) writer.uint32(tag).bool(v); break;
          case "coin": if (v !== undefined) Coin.encode(v, writer.uint32(tag).fork()).ldelim(); break;
          case "bytes": if (v && v.length) writer.uint32(tag).bytes(v); break;
          case "strings": for (const s of v ?? []) writer.uint32(tag).string(s); break;
        }
      }
      return writer;
    },
    decode(input, length) {
      const reader = input instanceof BinaryReader ? input : new BinaryReader(input);
      const end = length === undefined ? reader.len : reader.pos + length;
      const m = base();
      while (reader.pos < end) {
        const tag = reader.uint32();
        const field = fields.find(([, no]) => no === tag >>> 3);
        if (!field) { reader.skipType(tag & 7); continue; }
        const [name, , kind] = field;
        switch (kind) {
          case "string": m[name] = reader.string(); break;
          case "uint32": m[name] = reader.uint32(); break;
          case "uint64": m[name] = reader.uint64(); break;
          case "int64": m[name] = reader.int64(); break;
          case "bool": m[name] = reader.bool(); break;
          case "coin": m[name] = Coin.decode(reader, reader.uint32()); break;
          case "bytes": m[name] = reader.bytes(); break;
          case "strings": m[name].push(reader.string()); break;
        }
      }
      return m;
    },
    fromPartial(object) {
      const m = base();
      for (const [name, , kind] of fields) {
        if (object[name] === undefined) continue;
        m[name] = kind === "coin" ? Coin.fromPartial(object[name]) : object[name];
      }
      return m;
    },
  };
}

const P = "/gpuchain.market.v1.";
export const MsgCreateOrder = messageType(P + "MsgCreateOrder", [
  ["tenant", 1, "string"], ["sku", 2, "string"], ["gpuCount", 3, "uint32"],
  ["maxPricePerGpuHour", 4, "coin"], ["duration", 5, "int64"], ["deposit", 6, "coin"],
  ["region", 7, "string"], ["targetOfferId", 8, "uint64"], ["targetProvider", 9, "string"],
  ["minAttestationLevel", 10, "uint32"], ["ttl", 11, "int64"],
]);
export const MsgCreateOrderResponse = messageType(P + "MsgCreateOrderResponse", [
  ["orderId", 1, "uint64"], ["leaseId", 2, "uint64"],
]);
export const MsgCancelOrder = messageType(P + "MsgCancelOrder", [
  ["tenant", 1, "string"], ["orderId", 2, "uint64"],
]);
export const MsgDepositLease = messageType(P + "MsgDepositLease", [
  ["depositor", 1, "string"], ["leaseId", 2, "uint64"], ["amount", 3, "coin"],
]);
export const MsgCloseLease = messageType(P + "MsgCloseLease", [
  ["signer", 1, "string"], ["leaseId", 2, "uint64"],
]);
export const MsgCloseLeaseResponse = messageType(P + "MsgCloseLeaseResponse", [
  ["payment", 1, "coin"], ["take", 2, "coin"], ["refund", 3, "coin"],
]);

// The Msgs a tenant signs, for `new Registry([...defaultRegistryTypes, ...marketTypes])`.
export const marketTypes = [
  [MsgCreateOrder.typeUrl, MsgCreateOrder],
  [MsgCancelOrder.typeUrl, MsgCancelOrder],
  [MsgDepositLease.typeUrl, MsgDepositLease],
  [MsgCloseLease.typeUrl, MsgCloseLease],
];
