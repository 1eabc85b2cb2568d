#!/usr/bin/env bash
#
# Regenerates the TEST-ONLY certificate material in this folder.
#
#   ./Certificates/generate.sh            (works from any working directory)
#
# Everything is built in a temporary directory, verified, and only then copied
# next to this script, so a failed run never leaves a half-written set behind.
# File names are fixed; keys, serial numbers and signatures change on every run.
#
# Requires only the `openssl` CLI (written for OpenSSL 3.0). `openssl x509 -req`
# cannot set an explicit notBefore in 3.0, so every certificate is issued with
# `openssl ca -startdate/-enddate` against a throwaway CA database.
#
# NEVER use any of this material in production: all private keys are published.

set -euo pipefail

OUT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SPEC_EXAMPLE_KEY="${SPEC_EXAMPLE_KEY:-/work/shared/efi-vectors/official-iic/spec_example_private_key.pem}"

PASS="test1234"

CA_START="20250101000000Z"
CA_END="20451231235959Z"
LEAF_START="20260101000000Z"
LEAF_END="20361231235959Z"
EXPIRED_START="20200101000000Z"
EXPIRED_END="20210101000000Z"

TAXPAYER_SUBJ="/C=ME/O=Test DOO/organizationIdentifier=VATME-12345678/CN=Test DOO Pecat"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
BUILD="$WORK/out"   # staged outputs, copied to OUT_DIR at the end
mkdir -p "$BUILD"

# --------------------------------------------------------------------------
# OpenSSL config used by `req` and `ca` (isolated from the system openssl.cnf)
# --------------------------------------------------------------------------
CNF="$WORK/openssl.cnf"
cat >"$CNF" <<'EOF'
[ req ]
distinguished_name = req_dn
string_mask        = utf8only
prompt             = no

[ req_dn ]
CN = unused

[ ca ]
default_ca = throwaway_ca

[ throwaway_ca ]
dir            = $ENV::CA_DIR
database       = $dir/index.txt
new_certs_dir  = $dir/newcerts
serial         = $dir/serial
default_md     = sha256
policy         = policy_anything
unique_subject = no
copy_extensions = none
email_in_dn    = no
string_mask    = utf8only

[ policy_anything ]
countryName            = optional
organizationName       = optional
organizationIdentifier = optional
commonName             = optional

[ v3_root_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ v3_seal ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_self_signed_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier   = hash
EOF

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

# new_rsa_key <out> [bits]  -> unencrypted PKCS#8 PEM
new_rsa_key() {
    openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2:-2048}" -out "$1" 2>/dev/null
}

# new_ec_key <out>  -> unencrypted PKCS#8 PEM, P-256, named curve
new_ec_key() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -pkeyopt ec_param_enc:named_curve -out "$1"
}

# fresh_ca_db <name>  -> sets CA_DIR to an empty throwaway `openssl ca` database
fresh_ca_db() {
    export CA_DIR="$WORK/ca-$1"
    rm -rf "$CA_DIR"
    mkdir -p "$CA_DIR/newcerts"
    : >"$CA_DIR/index.txt"
    openssl rand -hex 16 >"$CA_DIR/serial"   # random 128-bit starting serial
}

# issue <subject> <key> <out.pem> <start> <end> <extensions> <issuer_cert|-> <issuer_key>
# Issuer "-" means self-signed (openssl ca -selfsign).
issue() {
    local subj="$1" key="$2" out="$3" start="$4" end="$5" ext="$6" ca_cert="$7" ca_key="$8"
    local csr="$WORK/req.csr"
    openssl req -new -config "$CNF" -key "$key" -subj "$subj" -out "$csr"
    local signer=(-cert "$ca_cert" -keyfile "$ca_key")
    [[ "$ca_cert" == "-" ]] && signer=(-selfsign -keyfile "$ca_key")
    openssl ca -batch -config "$CNF" -notext -preserveDN -md sha256 \
        -startdate "$start" -enddate "$end" -extensions "$ext" \
        "${signer[@]}" -in "$csr" -out "$out" 2>/dev/null
    rm -f "$csr"
}

# make_root_ca <basename> <subject>  -> <basename>.pem / <basename>.key
make_root_ca() {
    local base="$BUILD/$1" subj="$2"
    fresh_ca_db "$1"
    new_rsa_key "$base.key"
    issue "$subj" "$base.key" "$base.pem" "$CA_START" "$CA_END" v3_root_ca - "$base.key"
}

# make_leaf <key> <out.pem> <subject> [start] [end]  -> signed by test root CA
make_leaf() {
    issue "$3" "$1" "$2" "${4:-$LEAF_START}" "${5:-$LEAF_END}" v3_seal \
        "$BUILD/test-root-ca.pem" "$BUILD/test-root-ca.key"
}

# p12_modern <key> <cert> <out.p12> <friendly name> [extra cert file]
# OpenSSL 3 default: AES-256-CBC + PBKDF2(HMAC-SHA256), MAC SHA-256.
p12_modern() {
    local extra=()
    [[ $# -ge 5 ]] && extra=(-certfile "$5")
    openssl pkcs12 -export -inkey "$1" -in "$2" "${extra[@]}" -name "$4" \
        -passout "pass:$PASS" -out "$3"
}

# p12_legacy <key> <cert> <out.p12> <friendly name> <ca>  -> RC2-40 certs, 3DES key, SHA-1 MAC
p12_legacy() {
    openssl pkcs12 -export -legacy -inkey "$1" -in "$2" -certfile "$5" -name "$4" \
        -passout "pass:$PASS" -out "$3"
}

# p12_3des <key> <cert> <out.p12> <friendly name> <ca>  -> 3DES for key and certs, SHA-1 MAC
p12_3des() {
    openssl pkcs12 -export -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 \
        -inkey "$1" -in "$2" -certfile "$5" -name "$4" \
        -passout "pass:$PASS" -out "$3"
}

# leaf_p12 <out.p12> <subject> <key-kind: rsa2048|rsa1024|ec> [start] [end]
# Throwaway key + cert signed by the test root CA, packed as modern PKCS#12 with the CA.
leaf_p12() {
    local out="$1" subj="$2" kind="$3" key="$WORK/leaf.key" cert="$WORK/leaf.pem"
    case "$kind" in
        rsa2048) new_rsa_key "$key" 2048 ;;
        rsa1024) new_rsa_key "$key" 1024 ;;
        ec)      new_ec_key "$key" ;;
    esac
    make_leaf "$key" "$cert" "$subj" "${4:-$LEAF_START}" "${5:-$LEAF_END}"
    p12_modern "$key" "$cert" "$BUILD/$out" "$(sed 's/.*CN=//' <<<"$subj")" "$BUILD/test-root-ca.pem"
    rm -f "$key" "$cert"
}

# --------------------------------------------------------------------------
# 1. Test root CA
# --------------------------------------------------------------------------
make_root_ca test-root-ca "/C=ME/O=Fiscal Test/CN=Fiscal Test Root CA"
fresh_ca_db leaves   # one database for everything the root CA signs

# --------------------------------------------------------------------------
# 2. Taxpayer seal (TIN 12345678) in every container flavour
# --------------------------------------------------------------------------
new_rsa_key "$BUILD/taxpayer.key"
make_leaf "$BUILD/taxpayer.key" "$BUILD/taxpayer.pem" "$TAXPAYER_SUBJ"
p12_modern "$BUILD/taxpayer.key" "$BUILD/taxpayer.pem" "$BUILD/taxpayer-modern.p12" "Test DOO Pecat" "$BUILD/test-root-ca.pem"
p12_legacy "$BUILD/taxpayer.key" "$BUILD/taxpayer.pem" "$BUILD/taxpayer-legacy.p12" "Test DOO Pecat" "$BUILD/test-root-ca.pem"
p12_3des   "$BUILD/taxpayer.key" "$BUILD/taxpayer.pem" "$BUILD/taxpayer-3des.p12"   "Test DOO Pecat" "$BUILD/test-root-ca.pem"
openssl pkcs8 -topk8 -in "$BUILD/taxpayer.key" -v2 aes-256-cbc -v2prf hmacWithSHA256 \
    -passout "pass:$PASS" -out "$BUILD/taxpayer-encrypted.key"

# Unsupported algorithm: the modern container with the SHA-256 identifier of its MAC
# (2.16.840.1.101.3.4.2.1, found only in MacData) rewritten to the unassigned
# 2.16.840.1.101.3.4.2.127, so a reader meets a well-formed file protected by an
# algorithm it does not know (OpenSSL: "unknown digest algorithm", "unsupported").
python3 - "$BUILD/taxpayer-modern.p12" "$BUILD/unsupported-algorithm.p12" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
sha256 = bytes.fromhex("0609608648016503040201")
assert data.count(sha256) == 1, "expected exactly one SHA-256 identifier (the MAC's)"
open(sys.argv[2], "wb").write(data.replace(sha256, sha256[:-1] + b"\x7f"))
PY

# --------------------------------------------------------------------------
# 3-6, 9. Negative / edge-case PKCS#12 files (throwaway keys)
# --------------------------------------------------------------------------
leaf_p12 expired.p12   "$TAXPAYER_SUBJ" rsa2048 "$EXPIRED_START" "$EXPIRED_END"
leaf_p12 other-tin.p12 "/C=ME/O=Other DOO/organizationIdentifier=VATME-87654321/CN=Other DOO Pecat" rsa2048
leaf_p12 ec-key.p12    "$TAXPAYER_SUBJ" ec
leaf_p12 rsa1024.p12   "$TAXPAYER_SUBJ" rsa1024
leaf_p12 no-tin.p12    "/C=ME/O=No Tin DOO/CN=No Tin" rsa2048

# --------------------------------------------------------------------------
# 7. Certificate-only PKCS#12 (no private key)
# --------------------------------------------------------------------------
openssl pkcs12 -export -nokeys -in "$BUILD/taxpayer.pem" -name "Test DOO Pecat" \
    -passout "pass:$PASS" -out "$BUILD/cert-only.p12"

# --------------------------------------------------------------------------
# 8. Key/cert mismatch: taxpayer cert + an unrelated RSA-2048 key
# --------------------------------------------------------------------------
new_rsa_key "$WORK/mismatch.key"
cat "$BUILD/taxpayer.pem" "$WORK/mismatch.key" >"$BUILD/mismatch.pem"
# `pkcs12 -export -inkey K -in C` refuses ("No certificate matches private key").
# With -nocerts the key-matching step is skipped, while certificates given via
# -certfile are still added as plain extra certs: the result holds the unrelated
# key plus the taxpayer certificate (no localKeyID pairs them).
# (stderr silenced: OpenSSL 3.0 prints a spurious "-chain option ignored" warning here)
openssl pkcs12 -export -nocerts -inkey "$WORK/mismatch.key" -certfile "$BUILD/taxpayer.pem" \
    -name "Test DOO Pecat" -passout "pass:$PASS" -out "$BUILD/mismatch.p12" 2>/dev/null
rm -f "$WORK/mismatch.key"

# --------------------------------------------------------------------------
# 10. Simulated tax authority response signer
# --------------------------------------------------------------------------
new_rsa_key "$BUILD/tax-authority.key"
make_leaf "$BUILD/tax-authority.key" "$BUILD/tax-authority.pem" \
    "/C=ME/O=Uprava prihoda i carina (test)/organizationIdentifier=VATME-11044760/CN=Fiscal Test Service"
p12_modern "$BUILD/tax-authority.key" "$BUILD/tax-authority.pem" "$BUILD/tax-authority.p12" \
    "Fiscal Test Service" "$BUILD/test-root-ca.pem"

# --------------------------------------------------------------------------
# 11. Unrelated second root CA (its key is thrown away)
# --------------------------------------------------------------------------
make_root_ca other-root-ca "/C=ME/O=Other Test CA/CN=Other Test Root CA"
rm -f "$BUILD/other-root-ca.key"

# --------------------------------------------------------------------------
# 12. Spec example key in a self-signed PKCS#12
# --------------------------------------------------------------------------
if [[ -r "$SPEC_EXAMPLE_KEY" ]]; then
    fresh_ca_db spec-example
    issue "/CN=Spec Example/organizationIdentifier=VATME-12345678" "$SPEC_EXAMPLE_KEY" \
        "$WORK/spec-example.pem" "$LEAF_START" "$LEAF_END" v3_self_signed_leaf - "$SPEC_EXAMPLE_KEY"
    p12_modern "$SPEC_EXAMPLE_KEY" "$WORK/spec-example.pem" "$BUILD/spec-example.p12" "Spec Example"
else
    echo "WARNING: $SPEC_EXAMPLE_KEY not found; keeping existing spec-example.p12" >&2
fi

# --------------------------------------------------------------------------
# Sanity checks before publishing
# --------------------------------------------------------------------------
die() { echo "VERIFICATION FAILED: $*" >&2; exit 1; }
chk() { printf '  %-24s %s\n' "$1" "$2"; }
p12_cert() {  # p12_cert <file.p12> [-legacy] -> first (end-entity) certificate, PEM
    openssl pkcs12 -in "$BUILD/$1" ${2:-} -passin "pass:$PASS" -nokeys -clcerts 2>/dev/null \
        | openssl x509
}
ROOT="$BUILD/test-root-ca.pem"
echo "Verifying:"
for c in taxpayer tax-authority; do
    openssl verify -CAfile "$ROOT" "$BUILD/$c.pem" >/dev/null || die "$c.pem chain"
    [[ "$(openssl x509 -in "$BUILD/$c.pem" -noout -pubkey)" == \
       "$(openssl pkey -in "$BUILD/$c.key" -pubout)" ]] || die "$c key/cert mismatch"
    chk "$c.pem/.key" "chains to test root CA, key matches cert"
done
openssl pkey -in "$BUILD/taxpayer-encrypted.key" -passin "pass:$PASS" -noout || die "encrypted key"
chk taxpayer-encrypted.key "decrypts with $PASS"
for f in taxpayer-modern taxpayer-3des other-tin ec-key rsa1024 no-tin tax-authority; do
    p12_cert "$f.p12" | openssl verify -CAfile "$ROOT" >/dev/null || die "$f.p12"
    chk "$f.p12" "opens with $PASS, leaf chains to test root CA"
done
p12_cert taxpayer-legacy.p12 -legacy | openssl verify -CAfile "$ROOT" >/dev/null || die "legacy p12"
chk taxpayer-legacy.p12 "opens with -legacy, leaf chains to test root CA"
expired_result="$(p12_cert expired.p12 | openssl verify -CAfile "$ROOT" 2>&1 || true)"
[[ "$expired_result" == *"certificate has expired"* ]] || die "expired.p12: $expired_result"
chk expired.p12 "opens, verification fails with 'certificate has expired'"
if openssl verify -CAfile "$BUILD/other-root-ca.pem" "$BUILD/taxpayer.pem" >/dev/null 2>&1; then
    die "other-root-ca.pem validates the taxpayer cert"
fi
chk other-root-ca.pem "does not validate the taxpayer certificate"
[[ -z "$(openssl pkcs12 -in "$BUILD/cert-only.p12" -passin "pass:$PASS" -nocerts -nodes 2>/dev/null)" ]] \
    || die "cert-only.p12 contains a key"
openssl pkcs12 -in "$BUILD/cert-only.p12" -passin "pass:$PASS" -nokeys 2>/dev/null | openssl x509 \
    | cmp -s - <(openssl x509 -in "$BUILD/taxpayer.pem") || die "cert-only.p12 cert"
chk cert-only.p12 "holds the taxpayer certificate and no key"
for f in mismatch.pem mismatch.p12; do
    if [[ $f == *.p12 ]]; then
        key_pub="$(openssl pkcs12 -in "$BUILD/$f" -passin "pass:$PASS" -nocerts -nodes 2>/dev/null | openssl pkey -pubout)"
        cert_pem="$(openssl pkcs12 -in "$BUILD/$f" -passin "pass:$PASS" -nokeys 2>/dev/null | openssl x509)"
    else
        key_pub="$(openssl pkey -in "$BUILD/$f" -pubout)"
        cert_pem="$(openssl x509 -in "$BUILD/$f")"
    fi
    [[ "$cert_pem" == "$(openssl x509 -in "$BUILD/taxpayer.pem")" ]] || die "$f cert"
    [[ "$key_pub" != "$(openssl x509 -in "$BUILD/taxpayer.pem" -noout -pubkey)" ]] || die "$f key matches"
    chk "$f" "taxpayer cert + a key that does not match it"
done
if [[ -f "$BUILD/spec-example.p12" ]]; then
    p12_cert spec-example.p12 >"$WORK/spec.pem"
    openssl verify -CAfile "$WORK/spec.pem" "$WORK/spec.pem" >/dev/null || die "spec-example.p12"
    chk spec-example.p12 "opens, self-signed cert verifies against itself"
fi

# --------------------------------------------------------------------------
# Publish
# --------------------------------------------------------------------------
cp -f "$BUILD"/* "$OUT_DIR"/
echo "Wrote $(ls "$BUILD" | wc -l) files to $OUT_DIR"
