"""HTTP routes: thin adapters from requests to the plain functions of the service."""
