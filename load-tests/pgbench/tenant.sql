-- The same work in a tenant transaction: search path and role set locally first.
begin;
select set_config('search_path', 't_bench', true), set_config('role', 't_bench', true);
select id, code, name from branches where id = 1;
commit;
