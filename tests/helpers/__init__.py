"""What many tests need, one home each: identities (an OAuth issuer on loopback), ..."""
