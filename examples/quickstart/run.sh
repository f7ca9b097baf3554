#!/usr/bin/env bash
# Main job: build the provider and the emulator, start the emulator with one provisioned product,
# run terraform plan/apply on this example (owner and launch role change), show that a follow-up
# plan is empty, and stop the emulator. Works from any directory; needs Rust, Terraform >= 1.0, curl.
#
# Set KEEP_WORKDIR=1 to keep the temporary Terraform working directory for inspection.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }

need cargo "install Rust (https://rustup.rs)"
need terraform "install Terraform >= 1.0 (https://developer.hashicorp.com/terraform/install) and put it on PATH"
need curl "install curl (for example: apt-get install curl)"

tf_version="$(terraform version 2>/dev/null | head -n 1 | sed -E 's/^Terraform v([0-9]+)\.([0-9]+).*/\1.\2/')"
case "$tf_version" in
  0.*|'') die "Terraform >= 1.0 is required, found: $(terraform version 2>/dev/null | head -n 1)" ;;
esac

say "Building the provider and the emulator (cargo build --release --bins)"
cargo build --release --bins --manifest-path "$root/Cargo.toml"
bin_dir="${CARGO_TARGET_DIR:-$root/target}/release"
[ -x "$bin_dir/terraform-provider-servicecatalog" ] || die "provider binary missing in $bin_dir"
[ -x "$bin_dir/servicecatalog-emulator" ] || die "emulator binary missing in $bin_dir"

work="$(mktemp -d "${TMPDIR:-/tmp}/sc-quickstart.XXXXXX")"
emu_pid=""
cleanup() {
  status=$?
  if [ -n "$emu_pid" ] && kill -0 "$emu_pid" 2>/dev/null; then
    kill -TERM "$emu_pid" 2>/dev/null || true
    wait "$emu_pid" 2>/dev/null || true
    echo "==> Emulator stopped"
  fi
  if [ "${KEEP_WORKDIR:-}" = "1" ]; then
    echo "==> Working directory kept: $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Starting servicecatalog-emulator on a free port"
"$bin_dir/servicecatalog-emulator" --listen 127.0.0.1:0 >"$work/emulator.out" 2>"$work/emulator.log" &
emu_pid=$!
endpoint=""
for _ in $(seq 1 100); do
  line="$(head -n 1 "$work/emulator.out" 2>/dev/null || true)"
  case "$line" in
    "listening on http://"*) endpoint="${line#listening on }"; break ;;
  esac
  kill -0 "$emu_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; die "the emulator exited during start-up"; }
  sleep 0.1
done
[ -n "$endpoint" ] || die "the emulator did not report its address within 10 s"
echo "emulator: $endpoint"

# One AWS JSON 1.1 call. The emulator accepts any SigV4-shaped Authorization header; the access
# key id names the caller (any key is the account admin by default).
api() {
  local op="$1" body="$2" out code
  out="$(curl -sS -X POST "$endpoint/" \
    -H "Content-Type: application/x-amz-json-1.1" \
    -H "X-Amz-Target: AWS242ServiceCatalogService.$op" \
    -H "X-Amz-Date: 20250101T000000Z" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=AKIDQUICKSTART/20250101/us-east-1/servicecatalog/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000" \
    -w '\n%{http_code}' --data "$body")" || die "$op: request failed"
  code="${out##*$'\n'}"
  out="${out%$'\n'*}"
  [ "$code" = "200" ] || die "$op answered HTTP $code: $out"
  printf '%s' "$out"
}
# Value of a "Key":"string" member that occurs once in a JSON text; empty when absent.
field() { sed -nE "s/.*\"$1\": *\"([^\"]*)\".*/\1/p"; }

show_live() {
  local owner role
  owner="$(api SearchProvisionedProducts "{\"AccessLevelFilter\":{\"Key\":\"Account\",\"Value\":\"self\"},\"Filters\":{\"SearchQuery\":[\"id:$pp\"]}}" | field UserArn)"
  role="$(api DescribeProvisionedProduct "{\"Id\":\"$pp\"}" | field LaunchRoleArn)"
  echo "  OWNER       = ${owner:-<none>}"
  echo "  LAUNCH_ROLE = ${role:-<none>}"
}

say "Provisioning a product through the API (ProvisionProduct)"
resp="$(api ProvisionProduct "{\"ProductId\":\"prod-quickstart001\",\"ProvisioningArtifactId\":\"pa-quickstart0001\",\"ProvisionedProductName\":\"quickstart-app\",\"ProvisionToken\":\"quickstart-$$\"}")"
pp="$(printf '%s' "$resp" | field ProvisionedProductId)"
record="$(printf '%s' "$resp" | field RecordId)"
[ -n "$pp" ] && [ -n "$record" ] || die "unexpected ProvisionProduct answer: $resp"
for _ in $(seq 1 100); do
  status="$(api DescribeRecord "{\"Id\":\"$record\"}" | field Status)"
  [ "$status" = "SUCCEEDED" ] && break
  [ "$status" = "FAILED" ] && die "provisioning record $record failed"
  sleep 0.1
done
[ "$status" = "SUCCEEDED" ] || die "provisioning record $record did not finish"
echo "provisioned product: $pp"
echo "live values before:"
show_live

# dev_overrides makes Terraform use the freshly built provider. `terraform init` is skipped on
# purpose: it is not needed for overridden providers, and with no other provider in the config it
# would try to reach the registry.
cat >"$work/terraformrc" <<EOF
provider_installation {
  dev_overrides {
    "servicecatalog/servicecatalog" = "$bin_dir"
  }
  direct {}
}
EOF
cp "$here/main.tf" "$work/main.tf"
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0 AWS_EC2_METADATA_DISABLED=true
export TF_VAR_endpoint="$endpoint" TF_VAR_provisioned_product_id="$pp"
# No colour codes when the output goes to a file or a CI log.
color=()
[ -t 1 ] || color=(-no-color)
tf() { local sub="$1"; shift; terraform -chdir="$work" "$sub" ${color[@]+"${color[@]}"} "$@"; }

say "terraform plan"
tf plan -input=false -out=tfplan

say "terraform apply"
tf apply -input=false tfplan
echo "live values after:"
show_live

say "terraform plan -detailed-exitcode (must be empty)"
set +e
tf plan -input=false -detailed-exitcode
code=$?
set -e
case "$code" in
  0) echo "Follow-up plan is empty: the live owner and launch role match the configuration." ;;
  2) die "the follow-up plan is not empty" ;;
  *) die "the follow-up plan failed (exit $code)" ;;
esac
