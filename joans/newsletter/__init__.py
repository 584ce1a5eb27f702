"""The newsletter: subscriptions, campaigns, their content, the outbox worker, unsubscribe pages."""
