"""Prints an inclusion proof for an event, or a consistency proof between two tree sizes, as JSON
that any RFC 9162 verifier can check against a signed checkpoint."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coalition.audit import tree
from coalition.audit.models import AuditLeaf, TreeHead


class Command(BaseCommand):
    help = "Print an inclusion proof (--event SEQ) or a consistency proof (--from M --to N)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--event", type=int, help="the event's sequence number (#)")
        parser.add_argument("--size", type=int, help="the tree size to prove against (default: the current)")
        parser.add_argument("--from", dest="first", type=int)
        parser.add_argument("--to", dest="second", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        head = TreeHead.objects.get(id=1)
        try:
            if options["event"] is not None:
                leaf = AuditLeaf.objects.filter(index=options["event"] - 1).first()
                if leaf is None:
                    raise CommandError(f"Event #{options['event']} is not in the tree (yet).")
                size = options["size"] or head.size
                proof = tree.inclusion_proof(leaf.index, size)
                result = {
                    "event": options["event"],
                    "leaf_index": leaf.index,
                    "leaf_hash": leaf.hash,
                    "tree_size": size,
                    "root_hash": tree.root_at(size).hex(),
                    "inclusion_proof": [p.hex() for p in proof],
                }
            elif options["first"] is not None:
                second = options["second"] or head.size
                proof = tree.consistency_proof(options["first"], second)
                result = {
                    "first_size": options["first"],
                    "second_size": second,
                    "first_root": tree.root_at(options["first"]).hex(),
                    "second_root": tree.root_at(second).hex(),
                    "consistency_proof": [p.hex() for p in proof],
                }
            else:
                raise CommandError("Give --event SEQ, or --from M [--to N].")
        except tree.TreeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(result, indent=2))
