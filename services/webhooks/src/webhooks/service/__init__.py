"""Use cases of the webhooks service, one module per resource (as `api/`): one function per action,
each taking a unit of work.

- `endpoints`: register, read, change, delete an endpoint; rotate its secret
- `deliveries`: a public event fanned out to the endpoints that want it, the delivery log, replays,
  and the outcome of one attempt (retry, give up, disable the endpoint)
"""
