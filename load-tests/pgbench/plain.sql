-- One request's worth of work without tenancy: a transaction reading a branch.
begin;
select id, code, name from t_bench.branches where id = 1;
commit;
