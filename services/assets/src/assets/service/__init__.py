"""Use cases of the assets service, one module per resource (as `api/`): one function per action,
each taking a unit of work.

- `assets`: a customer's assets; every change publishes its event through the outbox in the same
  transaction and commits once; and what becomes of them when customers' records merge or go
- `catalogue`: the tenant's catalogue lists (settings: they publish nothing)
- `customers`: the read model of customers' records, the customer an asset is on and its sites
"""
