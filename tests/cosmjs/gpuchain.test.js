// gpuchain driven by the real CosmJS 0.39 packages, unchanged (issue 3, item 5).
//
// Runs against a live chain given by the environment:
//   GPUCHAIN_RPC       CometBFT RPC URL, e.g. http://127.0.0.1:26657
//   GPUCHAIN_CHAIN_ID  the chain id, e.g. gpuchain-local-1
//   ALICE_MNEMONIC     a funded account (HD path m/44'/118'/0'/0/0)
//   BOB_ADDRESS        a recipient address (gpu1...)
//
// `node --test` (or `npm test`) in this directory. The tests share alice's
// account sequence, so they run in order in this one file. They only assume
// alice holds some ugpc, so they also run against a chain that already has
// history (a localnet).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Secp256k1HdWallet } from "@cosmjs/amino";
import { sha256 } from "@cosmjs/crypto";
import { toHex } from "@cosmjs/encoding";
import { decodeTxRaw, DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import {
  assertIsDeliverTxFailure,
  assertIsDeliverTxSuccess,
  BroadcastTxError,
  coins,
  GasPrice,
  SigningStargateClient,
  StargateClient,
} from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is required`);
  return v;
}

const RPC = env("GPUCHAIN_RPC");
const CHAIN_ID = env("GPUCHAIN_CHAIN_ID");
const ALICE_MNEMONIC = env("ALICE_MNEMONIC");
const BOB = env("BOB_ADDRESS");
const DENOM = "ugpc";
const PREFIX = "gpu";
const gasPrice = GasPrice.fromString("0.0025ugpc");
// Blocks are fast on test chains: poll often instead of CosmJS's 3 s default.
const clientOptions = { gasPrice, broadcastPollIntervalMs: 200, broadcastTimeoutMs: 30_000 };
// 200000 gas at the default minimum gas price 0.0025ugpc.
const explicitFee = { amount: coins(500, DENOM), gas: "200000" };

let query; // StargateClient
let client; // SigningStargateClient, SIGN_MODE_DIRECT
let alice; // alice's address
let directTx; // DeliverTxResponse of the "auto" fee transfer

/** uppercase hex sha256 of the TxRaw bytes: the Cosmos / CometBFT tx hash. */
function txHash(bytes) {
  return toHex(sha256(bytes)).toUpperCase();
}

async function ugpc(address) {
  return BigInt((await query.getBalance(address, DENOM)).amount);
}

/** The ugpc fee declared in a committed tx's AuthInfo. */
function feeOf(indexedTx) {
  const fee = decodeTxRaw(indexedTx.tx).authInfo.fee;
  return fee.amount.filter((c) => c.denom === DENOM).reduce((s, c) => s + BigInt(c.amount), 0n);
}

/**
 * The CheckTx code a client sees: BroadcastTxError's, or a result's.
 * A short timeout: when broadcast_tx_sync rejects, CosmJS 0.39's broadcastTx
 * leaves its timeout timer running, which keeps this process alive that long.
 */
async function broadcastCode(c, bytes) {
  try {
    const r = await c.broadcastTx(bytes, 2_000, 200);
    return { code: r.code, log: r.rawLog ?? "", codespace: undefined };
  } catch (e) {
    if (!(e instanceof BroadcastTxError)) throw e;
    return { code: e.code, log: e.log ?? "", codespace: e.codespace };
  }
}

before(async () => {
  query = await StargateClient.connect(RPC);
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(ALICE_MNEMONIC, { prefix: PREFIX });
  [{ address: alice }] = await wallet.getAccounts();
  client = await SigningStargateClient.connectWithSigner(RPC, wallet, clientOptions);
});

after(() => {
  query?.disconnect();
  client?.disconnect();
});

test("connect: chain id and height", async () => {
  assert.equal(await query.getChainId(), CHAIN_ID);
  assert.equal(await client.getChainId(), CHAIN_ID);
  const h = await query.getHeight();
  assert.ok(Number.isInteger(h) && h > 0, `height ${h}`);
});

test("getBalance and getAllBalances", async () => {
  const b = await query.getBalance(alice, DENOM);
  assert.equal(b.denom, DENOM);
  assert.ok(BigInt(b.amount) > 0n, `alice has ${b.amount}`);
  // A denom nobody holds: a zero coin, not an error.
  assert.deepEqual(await query.getBalance(alice, "unobtanium"), { denom: "unobtanium", amount: "0" });

  const all = await query.getAllBalances(alice);
  const u = all.find((c) => c.denom === DENOM);
  assert.ok(u, JSON.stringify(all));
  assert.equal(u.amount, b.amount);

  const [{ address: nobody }] = await (
    await DirectSecp256k1HdWallet.generate(12, { prefix: PREFIX })
  ).getAccounts();
  assert.deepEqual(await query.getAllBalances(nobody), []);
});

test("getAccount: known account and unknown account", async () => {
  const acc = await query.getAccount(alice);
  assert.ok(acc, "alice exists");
  assert.equal(acc.address, alice);
  assert.equal(typeof acc.accountNumber, "bigint");
  assert.ok(acc.accountNumber >= 0n);
  assert.ok(Number.isInteger(acc.sequence) && acc.sequence >= 0);
  const seq = await query.getSequence(alice);
  assert.equal(seq.accountNumber, acc.accountNumber);
  assert.equal(seq.sequence, acc.sequence);

  const [{ address: nobody }] = await (
    await DirectSecp256k1HdWallet.generate(12, { prefix: PREFIX })
  ).getAccounts();
  assert.equal(await query.getAccount(nobody), null);
});

test("sendTokens with fee auto (Simulate), SIGN_MODE_DIRECT", async () => {
  const before = await query.getAccount(alice);
  const aliceBefore = await ugpc(alice);
  const bobBefore = await ugpc(BOB);

  const gas = await client.simulate(alice, [msgSend(alice, BOB, 1000)], "");
  assert.ok(Number.isInteger(gas) && gas > 0, `simulated gas ${gas}`);

  const r = await client.sendTokens(alice, BOB, coins(1000, DENOM), "auto", "cosmjs direct");
  assertIsDeliverTxSuccess(r);
  assert.match(r.transactionHash, /^[0-9A-F]{64}$/);
  assert.ok(r.height > 0);
  assert.ok(r.gasUsed > 0n && r.gasWanted >= r.gasUsed, `gas ${r.gasUsed}/${r.gasWanted}`);
  directTx = r;

  const tx = await query.getTx(r.transactionHash);
  const fee = feeOf(tx);
  assert.ok(fee > 0n);
  assert.equal(await ugpc(BOB), bobBefore + 1000n);
  assert.equal(await ugpc(alice), aliceBefore - 1000n - fee);

  const acc = await query.getAccount(alice);
  assert.equal(acc.sequence, before.sequence + 1);
  assert.ok(acc.pubkey, "public key set by the first tx");
  assert.equal(acc.pubkey.type, "tendermint/PubKeySecp256k1");
});

test("getTx: the committed tx, its events and its body", async () => {
  assert.ok(directTx, "needs the sendTokens test");
  const tx = await query.getTx(directTx.transactionHash);
  assert.ok(tx, "found by hash");
  assert.equal(tx.hash, directTx.transactionHash);
  assert.equal(tx.height, directTx.height);
  assert.equal(tx.code, 0);
  assert.equal(txHash(tx.tx), directTx.transactionHash);

  const decoded = decodeTxRaw(tx.tx);
  assert.equal(decoded.body.memo, "cosmjs direct");
  assert.equal(decoded.body.messages.length, 1);
  assert.equal(decoded.body.messages[0].typeUrl, "/cosmos.bank.v1beta1.MsgSend");

  const attr = (type, key) =>
    tx.events.filter((e) => e.type === type).flatMap((e) => e.attributes.filter((a) => a.key === key).map((a) => a.value));
  assert.ok(attr("message", "sender").includes(alice), JSON.stringify(tx.events));
  assert.ok(attr("message", "action").includes("/cosmos.bank.v1beta1.MsgSend"));
  assert.ok(attr("transfer", "recipient").includes(BOB));
  assert.ok(attr("transfer", "amount").includes("1000ugpc"));

  assert.equal(await query.getTx("00".repeat(32)), null);
});

test("searchTx: message.sender, transfer.recipient, tx.height (string and pair forms)", async () => {
  assert.ok(directTx, "needs the sendTokens test");
  const hash = directTx.transactionHash;
  const has = (txs) => txs.some((t) => t.hash === hash);

  const bySender = await query.searchTx(`message.sender='${alice}'`);
  assert.ok(has(bySender), `message.sender: ${bySender.map((t) => t.hash)}`);
  assert.ok(has(await query.searchTx([{ key: "message.sender", value: alice }])));

  const byRecipient = await query.searchTx(`transfer.recipient='${BOB}'`);
  assert.ok(has(byRecipient), `transfer.recipient: ${byRecipient.map((t) => t.hash)}`);
  assert.ok(has(await query.searchTx([{ key: "transfer.recipient", value: BOB }])));

  const byHeight = await query.searchTx(`tx.height=${directTx.height}`);
  assert.ok(has(byHeight), `tx.height: ${byHeight.map((t) => t.hash)}`);
  assert.ok(byHeight.every((t) => t.height === directTx.height));
  // A number value is sent unquoted (CosmJS issue 1462).
  assert.ok(has(await query.searchTx([{ key: "tx.height", value: directTx.height }])));

  // Combined: sender AND height.
  const both = await query.searchTx([
    { key: "message.sender", value: alice },
    { key: "tx.height", value: directTx.height },
  ]);
  assert.ok(has(both));
});

test("getBlock: latest and the tx's block", async () => {
  const latest = await query.getBlock();
  assert.equal(latest.header.chainId, CHAIN_ID);
  assert.ok(latest.header.height >= directTx.height);
  assert.match(latest.id, /^[0-9A-F]{64}$/);

  const b = await query.getBlock(directTx.height);
  assert.equal(b.header.height, directTx.height);
  assert.equal(b.header.chainId, CHAIN_ID);
  assert.ok(!Number.isNaN(Date.parse(b.header.time)), b.header.time);
  assert.ok(
    b.txs.some((t) => txHash(t) === directTx.transactionHash),
    "the block holds the tx",
  );
});

test("the tx hash CosmJS computes equals the chain's", async () => {
  const msg = msgSend(alice, BOB, 7);
  const signed = await client.sign(alice, [msg], explicitFee, "hash check");
  const bytes = TxRaw.encode(signed).finish();
  const local = txHash(bytes);

  const fromSync = await client.broadcastTxSync(bytes);
  assert.equal(fromSync, local, "broadcast_tx_sync's hash");
  let tx = null;
  for (let i = 0; i < 150 && !tx; i++) {
    tx = await query.getTx(local);
    if (!tx) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(tx, `tx ${local} committed and found by the locally computed hash`);
  assert.equal(tx.hash, local);
  assert.equal(tx.code, 0);
  assert.deepEqual(Uint8Array.from(tx.tx), Uint8Array.from(bytes));
  const block = await query.getBlock(tx.height);
  assert.ok(block.txs.some((t) => txHash(t) === local));
});

test("insufficient funds: DeliverTxResponse code 5, fee still paid", async () => {
  const before = await query.getAccount(alice);
  const balance = await ugpc(alice);
  const bobBefore = await ugpc(BOB);
  // CheckTx runs only the ante checks (fee, signature, sequence): the send
  // itself fails in the block.
  const r = await client.sendTokens(alice, BOB, coins((balance + 1n).toString(), DENOM), explicitFee, "");
  assertIsDeliverTxFailure(r);
  assert.equal(r.code, 5, `code ${r.code}: ${r.rawLog}`);
  const tx = await query.getTx(r.transactionHash);
  assert.equal(tx.code, 5);
  assert.equal(await ugpc(alice), balance - 500n, "the fee is charged");
  assert.equal(await ugpc(BOB), bobBefore);
  assert.equal((await query.getAccount(alice)).sequence, before.sequence + 1, "the sequence advances");
});

test("wrong sequence: CheckTx code 32", async () => {
  const { accountNumber, sequence } = await query.getSequence(alice);
  const msg = msgSend(alice, BOB, 1);
  for (const wrong of [sequence + 5, ...(sequence > 0 ? [sequence - 1] : [])]) {
    const signed = await client.sign(alice, [msg], explicitFee, `seq ${wrong}`, {
      accountNumber,
      sequence: wrong,
      chainId: CHAIN_ID,
    });
    const bytes = TxRaw.encode(signed).finish();

    // broadcastTxSync: the rejection is a BroadcastTxError.
    await assert.rejects(client.broadcastTxSync(bytes), (e) => {
      assert.ok(e instanceof BroadcastTxError, String(e));
      assert.equal(e.code, 32, e.message);
      assert.equal(e.codespace, "sdk");
      assert.match(e.log, new RegExp(`account sequence mismatch, expected ${sequence}, got ${wrong}`));
      return true;
    });
    // broadcastTx, on a re-signed tx (CometBFT caches rejected bytes too).
    const again = await client.sign(alice, [msg], explicitFee, `seq ${wrong} again`, {
      accountNumber,
      sequence: wrong,
      chainId: CHAIN_ID,
    });
    const { code } = await broadcastCode(client, TxRaw.encode(again).finish());
    assert.equal(code, 32);
  }
  assert.equal((await query.getAccount(alice)).sequence, sequence, "nothing committed");
});

test("sendTokens with an amino signer (SIGN_MODE_LEGACY_AMINO_JSON), fee auto", async () => {
  const wallet = await Secp256k1HdWallet.fromMnemonic(ALICE_MNEMONIC, { prefix: PREFIX });
  const [{ address }] = await wallet.getAccounts();
  assert.equal(address, alice);
  const amino = await SigningStargateClient.connectWithSigner(RPC, wallet, clientOptions);
  try {
    const before = await query.getAccount(alice);
    const bobBefore = await ugpc(BOB);
    // Characters the amino JSON escapes (& < >) in the memo.
    const r = await amino.sendTokens(alice, BOB, coins(2000, DENOM), "auto", "amino & <json>");
    assertIsDeliverTxSuccess(r);
    assert.equal(await ugpc(BOB), bobBefore + 2000n);
    assert.equal((await query.getAccount(alice)).sequence, before.sequence + 1);
    const tx = await query.getTx(r.transactionHash);
    const decoded = decodeTxRaw(tx.tx);
    assert.equal(decoded.body.memo, "amino & <json>");
    assert.equal(decoded.authInfo.signerInfos[0].modeInfo.single.mode, 127);
  } finally {
    amino.disconnect();
  }
});

function msgSend(from, to, amount) {
  return {
    typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    value: { fromAddress: from, toAddress: to, amount: coins(amount, DENOM) },
  };
}
