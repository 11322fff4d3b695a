-- Source (operational) schema: the six tables of the data contract, §1
-- (docs/contract.md). Idempotent: safe to load into an existing `solar`.
-- The publication and replica identities are set by deploy/local/stack (as admin),
-- because they are capture configuration, not part of the application's schema.

create table if not exists public.users (
    id          bigint generated always as identity primary key,
    name        text not null,
    email       text not null unique,
    document    text,                              -- CPF/CNPJ: personal data
    phone       text,                              -- personal data
    status      text not null default 'active',    -- active / suspended / closed
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

create table if not exists public.units (
    id                   bigint generated always as identity primary key,
    user_id              bigint not null references public.users,
    name                 text not null,
    address              text,
    city                 text,
    state                char(2),
    latitude             double precision,
    longitude            double precision,
    installed_power_kwp  numeric(10,3),
    tariff_class         text,
    utility              text,
    status               text not null default 'active',
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now()
);

create table if not exists public.devices (
    id                bigint generated always as identity primary key,
    unit_id           bigint not null references public.units,
    serial_number     text not null unique,
    manufacturer      text,
    model             text,
    kind              text not null,               -- inverter / meter / weather_station
    nominal_power_kw  numeric(10,3),
    firmware_version  text,
    status            text not null default 'active',
    installed_at      date,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now()
);

create table if not exists public.energy (
    id           bigint generated always as identity primary key,
    device_id    bigint not null references public.devices,
    measured_at  timestamptz not null,
    energy_kwh   numeric(14,4) not null,
    power_kw     numeric(12,4),
    unique (device_id, measured_at)
);

create table if not exists public.energy_compensate (
    id                  bigint generated always as identity primary key,
    unit_id             bigint not null references public.units,
    reference_month     date not null,              -- first day of the month
    injected_kwh        numeric(14,4),
    consumed_kwh        numeric(14,4),
    compensated_kwh     numeric(14,4),
    credit_balance_kwh  numeric(14,4),
    updated_at          timestamptz not null default now(),
    unique (unit_id, reference_month)
);

create table if not exists public.irradiance (
    id              bigint generated always as identity primary key,
    unit_id         bigint not null references public.units,
    device_id       bigint references public.devices,  -- the weather station, may be null
    measured_at     timestamptz not null,
    irradiance_wm2  numeric(8,2) not null,
    module_temp_c   numeric(5,2),
    ambient_temp_c  numeric(5,2),
    unique (unit_id, measured_at)
);

-- Indexes for the foreign keys, so that deletes of parents and joins by parent do not
-- scan the children. Where a unique constraint already starts with the FK column
-- (energy.device_id, energy_compensate.unit_id, irradiance.unit_id) its index serves.
create index if not exists units_user_id_idx        on public.units (user_id);
create index if not exists devices_unit_id_idx      on public.devices (unit_id);
create index if not exists irradiance_device_id_idx on public.irradiance (device_id);
