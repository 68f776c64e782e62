#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ (not committed) with starting inputs: the
committed seeds in fuzz/seeds, plus, when the FHIR data directory is given
(shared/data/fhir: synthea/, examples/, invalid/), small Bundles made from it:
each Synthea Bundle cut to a few entries of each resource type, the example
Bundles, and each example resource of a type the import reads wrapped in a
collection Bundle. Small inputs keep the fuzzer fast; the whole Synthea
Bundles (about a megabyte each) are read by the import tests instead.

    fuzz/seed_corpus.py [FHIR_DATA_DIR]
"""
import json
import pathlib
import shutil
import sys

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
MAX_BYTES = 60_000
READ_TYPES = {"Patient", "Condition", "MedicationStatement", "MedicationRequest",
              "AllergyIntolerance", "Organization", "Practitioner"}


def write(target, name, data):
    out = FUZZ / "corpus" / target
    out.mkdir(parents=True, exist_ok=True)
    if len(data) <= MAX_BYTES:
        (out / name).write_bytes(data)


def fhir(data_dir):
    for path in sorted((data_dir / "synthea").glob("*.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        seen, entries = {}, []
        for entry in bundle.get("entry", []):
            kind = entry.get("resource", {}).get("resourceType", "")
            seen[kind] = seen.get(kind, 0) + 1
            if seen[kind] <= (2 if kind in READ_TYPES else 1):
                entries.append(entry)
        bundle["entry"] = entries
        write("fhir_bundle", "synthea-" + path.stem[:40], json.dumps(bundle).encode())
    for folder in ("examples", "invalid"):
        for path in sorted((data_dir / folder).glob("*.json")):
            data = path.read_bytes()
            kind = path.name.split("-", 1)[0]
            if kind == "Bundle":
                write("fhir_bundle", f"{folder}-{path.stem}", data)
            elif kind in READ_TYPES:
                resource = json.loads(data)
                bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
                    {"fullUrl": f"urn:uuid:{path.stem}", "resource": resource}]}
                write("fhir_bundle", f"{folder}-{path.stem}", json.dumps(bundle).encode())


def schedule():
    instance = ROOT / "crates/schedule/tests/kit/instances/tiny.json"
    if instance.exists():
        write("schedule_json", "kit-tiny", instance.read_bytes())


def main():
    for seeds in sorted((FUZZ / "seeds").iterdir()):
        out = FUZZ / "corpus" / seeds.name
        out.mkdir(parents=True, exist_ok=True)
        for seed in seeds.iterdir():
            shutil.copyfile(seed, out / seed.name)
    schedule()
    if len(sys.argv) > 1:
        fhir(pathlib.Path(sys.argv[1]))


if __name__ == "__main__":
    main()
