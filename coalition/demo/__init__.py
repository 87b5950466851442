"""The demo coalition for trying the portal (`manage.py seed_demo`): the top floor, above every app
whose demo data it seeds, and imported by none of them."""
