-- The regulator's dashboard benchmark data (docs/BENCHMARKS.md): :firms firms of one
-- jurisdiction, each with :days daily metric snapshots, generated in SQL. The firms are
-- `closed` placeholder tenants (no schema), so nothing migrates or schedules them; run it in a
-- database of its own. Expects a table bench_template(metrics jsonb, inputs jsonb) holding one
-- real snapshot; each firm's copy varies its net assets, so the figures differ per firm.
-- Placeholders replaced by the runner: {{prefix}} {{jurisdiction}} {{firms}} {{days}} {{end}}.

insert into platform.tenants (code, name, schema_name, role_name, jurisdiction, status, closed_at)
select format('{{prefix}}%s', lpad(i::text, 5, '0')), format('基准小贷 %s', i),
       format('{{prefix}}s%s', i), format('{{prefix}}r%s', i), '{{jurisdiction}}', 'closed', now()
  from generate_series(1, {{firms}}) i
on conflict do nothing;

insert into supervision.licences (firm_name, credit_code, licence_number, jurisdiction, decided_at)
select format('基准小贷 %s', i), format('91{{jurisdiction}}%s', lpad(i::text, 10, '0')),
       format('{{prefix}}L%s', i), '{{jurisdiction}}', date '2020-01-01'
  from generate_series(1, {{firms}}) i
on conflict do nothing;

insert into supervision.licence_links (licence_id, tenant_code, linked_by, actor_name, reason)
select l.id, format('{{prefix}}%s', lpad(substr(l.licence_number, length('{{prefix}}L') + 1), 5, '0')),
       'operator', 'bench', 'bench'
  from supervision.licences l
 where l.licence_number like '{{prefix}}L%'
on conflict do nothing;

insert into supervision.metric_snapshots (firm, as_of, metrics, inputs, breaches)
select format('{{prefix}}%s', lpad(i::text, 5, '0')), day::date,
       jsonb_set(
           jsonb_set(t.metrics, '{as_of}', to_jsonb(day::date::text)),
           '{largest_single_borrower,ratio,denominator}',
           to_jsonb(((t.metrics #>> '{largest_single_borrower,ratio,denominator}')::numeric + i * 1000)::text)),
       t.inputs, '{}'
  from generate_series(1, {{firms}}) i
 cross join generate_series(date '{{end}}' - ({{days}} - 1), date '{{end}}', interval '1 day') day
 cross join bench_template t
on conflict do nothing;

analyze supervision.metric_snapshots;
