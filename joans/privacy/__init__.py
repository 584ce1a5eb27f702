"""Personal data: data-subject requests, export, erasure, retention, the record of processing."""
