# Sourced by scripts/test.sh and scripts/bench.sh: the environment both run in.
# Usage: source scripts/env.sh REQUIREMENTS_FILE...
# Checks the tools on PATH, installs the requirements into .venv, puts .venv first on
# PATH, and points Terraform at an offline provider mirror when the machine has one.

for tool in python3 make git terraform node npm npx; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is required on PATH" >&2; exit 1; }
done

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
requirements=()
for file in "$@"; do
  requirements+=(--requirement "$file")
done
# Some machines point pip at extra local indexes that may be absent; pip warns per package.
.venv/bin/python -m pip install --quiet "${requirements[@]}" 2>&1 \
  | { grep -v "^WARNING: Location" || true; }
export PATH="$PWD/.venv/bin:$PATH"

# uv must not try to download interpreters: the tests pick installed ones.
export UV_PYTHON_DOWNLOADS=never

# Terraform: use an offline provider mirror when the machine has one (CI here),
# and share one plugin cache across every rendered project.
mkdir -p .cache/terraform-plugins
export TF_PLUGIN_CACHE_DIR="$PWD/.cache/terraform-plugins"
if [ -d "${TF_PROVIDER_MIRROR:-/opt/tf-plugins}" ]; then
  mirror="${TF_PROVIDER_MIRROR:-/opt/tf-plugins}"
  cat > .cache/terraformrc <<HCL
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
plugin_cache_dir = "$TF_PLUGIN_CACHE_DIR"
HCL
  export TF_CLI_CONFIG_FILE="$PWD/.cache/terraformrc"
  # The rendered infra/ asks for AWS provider >= 6.20; when the mirror holds only 5.x (as
  # here: 5.100, and no 6.x can be fetched), the tests and `make local-infra` pin that
  # version in an override file of their own copy of infra/ and plan with the values 5.x
  # accepts (tests/conftest.py, the rendered local/terraform.py). 6.x itself is then untested.
  newest=$(ls "$mirror/registry.terraform.io/hashicorp/aws" 2>/dev/null | sort -V | tail -n 1)
  case "$newest" in
    [0-5].*) export TF_AWS_PROVIDER_OVERRIDE="$newest" ;;
    *) unset TF_AWS_PROVIDER_OVERRIDE ;;
  esac
elif [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then
  unset TF_CLI_CONFIG_FILE
fi
