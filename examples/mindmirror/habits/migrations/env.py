import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "common"))

from orchestrate_env import run  # noqa: E402

run(schema="habits")
