// A tenant's order flow from CosmJS (issue 4): gpuchain's market Msgs
// registered in a CosmJS Registry beside the default Cosmos types, signed in
// SIGN_MODE_DIRECT by the real @cosmjs/proto-signing and broadcast with
// @cosmjs/stargate. The provider side (offer, inventory) is set up by the
// Rust end-to-end test that runs this file with:
//   GPUCHAIN_RPC, GPUCHAIN_CHAIN_ID, TENANT_MNEMONIC (a funded account),
//   MARKET_SKU (the SKU offered), MARKET_PRICE (ugpc per GPU-hour).
// Without MARKET_SKU the file skips, so `npm test` alone still runs.

import assert from "node:assert/strict";
import { test } from "node:test";

import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import {
  assertIsDeliverTxFailure,
  assertIsDeliverTxSuccess,
  defaultRegistryTypes,
  GasPrice,
  SigningStargateClient,
} from "@cosmjs/stargate";

import {
  marketTypes,
  MsgCloseLeaseResponse,
  MsgCreateOrderResponse,
} from "./gpuchain-types.js";

const SKU = process.env.MARKET_SKU;
const skip = SKU ? false : "MARKET_SKU not set (run by node/tests/e2e_market.rs)";

test("a tenant orders, tops up and closes a lease from CosmJS", { skip }, async () => {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(process.env.TENANT_MNEMONIC, {
    prefix: "gpu",
  });
  const [{ address: tenant }] = await wallet.getAccounts();
  const registry = new Registry([...defaultRegistryTypes, ...marketTypes]);
  const client = await SigningStargateClient.connectWithSigner(process.env.GPUCHAIN_RPC, wallet, {
    registry,
    gasPrice: GasPrice.fromString("0.0025ugpc"),
    broadcastPollIntervalMs: 200,
    broadcastTimeoutMs: 30_000,
  });
  const price = BigInt(process.env.MARKET_PRICE);
  const before = BigInt((await client.getBalance(tenant, "ugpc")).amount);

  const order = {
    typeUrl: "/gpuchain.market.v1.MsgCreateOrder",
    value: {
      tenant,
      sku: SKU,
      gpuCount: 1,
      maxPricePerGpuHour: { denom: "ugpc", amount: price.toString() },
      duration: 3600n,
      deposit: { denom: "ugpc", amount: (price * 2n).toString() },
      ttl: 600n,
    },
  };
  const created = await client.signAndBroadcast(tenant, [order], "auto");
  assertIsDeliverTxSuccess(created);
  const resp = MsgCreateOrderResponse.decode(created.msgResponses[0].value);
  assert.ok(resp.orderId > 0n, "order id");
  assert.ok(resp.leaseId > 0n, "the order is matched in its own block");
  const matched = created.events.find((e) => e.type === "order_matched");
  assert.ok(matched, "order_matched event");

  // Anyone may top up; here the tenant.
  const topUp = {
    typeUrl: "/gpuchain.market.v1.MsgDepositLease",
    value: { depositor: tenant, leaseId: resp.leaseId, amount: { denom: "ugpc", amount: "1000" } },
  };
  const deposited = await client.signAndBroadcast(tenant, [topUp], "auto");
  assertIsDeliverTxSuccess(deposited);

  // Closing a lease twice: the second fails in its block, changing nothing
  // but the fee.
  const close = {
    typeUrl: "/gpuchain.market.v1.MsgCloseLease",
    value: { signer: tenant, leaseId: resp.leaseId },
  };
  const closed = await client.signAndBroadcast(tenant, [close], "auto");
  assertIsDeliverTxSuccess(closed);
  const settlement = MsgCloseLeaseResponse.decode(closed.msgResponses[0].value);
  const refund = BigInt(settlement.refund?.amount ?? "0");
  const paid = BigInt(settlement.payment?.amount ?? "0") + BigInt(settlement.take?.amount ?? "0");
  // Everything deposited comes back to the tenant or went to the provider.
  assert.equal(refund + paid, price * 2n + 1000n);
  // Simulation would refuse it, so the fee is explicit.
  const fee = { amount: [{ denom: "ugpc", amount: "1500" }], gas: "600000" };
  const again = await client.signAndBroadcast(tenant, [close], fee);
  assertIsDeliverTxFailure(again);

  const fees = [created, deposited, closed, again].reduce((sum, r) => {
    const fee = r.events
      .filter((e) => e.type === "tx")
      .flatMap((e) => e.attributes)
      .find((a) => a.key === "fee");
    return sum + BigInt(fee ? fee.value.replace("ugpc", "") : "0");
  }, 0n);
  const after = BigInt((await client.getBalance(tenant, "ugpc")).amount);
  assert.equal(after, before - fees - paid);
  client.disconnect();
});
