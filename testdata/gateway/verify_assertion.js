// Verify a djsession gateway identity assertion (X-Django-Identity) with
// Node's crypto module only. key: the gateway's assertion key.
const crypto = require("crypto");

const SALT = "djsession.gateway.identity";
const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function verify(value, key, maxAge = 30) {
  const parts = value.split(":");
  if (parts.length !== 3) throw new Error("malformed");
  const [payload, ts, sig] = parts;
  const macKey = crypto.createHash("sha256").update(SALT + "signer" + key).digest();
  const mac = crypto.createHmac("sha256", macKey).update(payload + ":" + ts).digest("base64url");
  if (mac.length !== sig.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(sig)))
    throw new Error("bad signature");
  let issued = 0;
  for (const c of ts) issued = issued * 62 + B62.indexOf(c);
  if (Date.now() / 1000 - issued > maxAge) throw new Error("assertion expired");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
}

module.exports = { verify };

if (require.main === module) { // for djsession's tests: value on stdin, key in DJ_ASSERTION_KEY
  let input = "";
  process.stdin.on("data", (d) => (input += d));
  process.stdin.on("end", () => {
    try {
      console.log(JSON.stringify(verify(input.trim(), process.env.DJ_ASSERTION_KEY)));
    } catch (e) {
      console.error("refused: " + e.message);
      process.exit(1);
    }
  });
}
