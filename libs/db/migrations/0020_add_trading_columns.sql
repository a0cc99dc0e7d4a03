-- Trading (libs/trading): realised P&L on positions, the panic exit a HALTED state belongs to,
-- whether an order reduced risk, and an index for the order-rate throttle.

ALTER TABLE positions ADD COLUMN realized_pnl double precision NOT NULL DEFAULT 0;

-- Set while a panic exit owns the HALTED state; cleared by resume. A repeat panic exit returns it.
ALTER TABLE trading_state ADD COLUMN exit_id text REFERENCES panic_exits(exit_id);

ALTER TABLE orders ADD COLUMN risk_reducing boolean NOT NULL DEFAULT false;

-- The throttle counts placed (not denied) risk-increasing orders of the last minute.
CREATE INDEX orders_throttle_idx ON orders (created_at DESC)
  WHERE status IN ('open', 'filled') AND NOT risk_reducing;

CREATE INDEX orders_exit_idx ON orders (exit_id) WHERE exit_id IS NOT NULL;
CREATE INDEX orders_open_idx ON orders (id) WHERE status IN ('open', 'proposed');
