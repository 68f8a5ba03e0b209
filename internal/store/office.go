package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/sozialplattform/sozialplattform/internal/office"
)

const officeCols = `id, name, street, postcode, city, phone, email, website, opening_hours, demo, source, updated_at`

func scanOffice(sc interface{ Scan(...any) error }) (office.Office, error) {
	var o office.Office
	var demo int
	var at int64
	err := sc.Scan(&o.ID, &o.Name, &o.Street, &o.Postcode, &o.City, &o.Phone, &o.Email, &o.Website, &o.OpeningHours, &demo, &o.Source, &at)
	o.Demo, o.UpdatedAt = demo != 0, FromMillis(at)
	return o, err
}

func (db *DB) saveOffice(ctx context.Context, q Querier, o *office.Office) error {
	demo := 0
	if o.Demo {
		demo = 1
	}
	_, err := db.Exec(ctx, q, `INSERT INTO offices (`+officeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, street = excluded.street, postcode = excluded.postcode,
		city = excluded.city, phone = excluded.phone, email = excluded.email, website = excluded.website,
		opening_hours = excluded.opening_hours, demo = excluded.demo, source = excluded.source, updated_at = excluded.updated_at`,
		o.ID, o.Name, o.Street, o.Postcode, o.City, o.Phone, o.Email, o.Website, o.OpeningHours, demo, o.Source, Millis(o.UpdatedAt))
	return err
}

func (db *DB) saveResponsibility(ctx context.Context, q Querier, r *office.Responsibility) error {
	_, err := db.Exec(ctx, q, `INSERT INTO responsibilities (leika, ars, office_id, fitconnect_dest, xta_address, online_service_url, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (leika, ars, office_id) DO UPDATE SET fitconnect_dest = excluded.fitconnect_dest,
		xta_address = excluded.xta_address, online_service_url = excluded.online_service_url, updated_at = excluded.updated_at`,
		r.LeiKa, r.ARS, r.OfficeID, r.FITConnectDestination, r.XTAAddress, r.OnlineServiceURL, Millis(r.UpdatedAt))
	return err
}

// SaveOffice implements office.Store.
func (db *DB) SaveOffice(ctx context.Context, o *office.Office) error {
	return db.saveOffice(ctx, db, o)
}

// SaveResponsibility implements office.Store.
func (db *DB) SaveResponsibility(ctx context.Context, r *office.Responsibility) error {
	return db.saveResponsibility(ctx, db, r)
}

// SaveAll implements office.Store.
func (db *DB) SaveAll(ctx context.Context, offices []office.Office, rs []office.Responsibility) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		for i := range offices {
			if err := db.saveOffice(ctx, tx, &offices[i]); err != nil {
				return err
			}
		}
		for i := range rs {
			if err := db.saveResponsibility(ctx, tx, &rs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteResponsibility implements office.Store.
func (db *DB) DeleteResponsibility(ctx context.Context, leika, ars, officeID string) error {
	_, err := db.Exec(ctx, db, `DELETE FROM responsibilities WHERE leika = ? AND ars = ? AND office_id = ?`, leika, ars, officeID)
	return err
}

// FindOffice implements office.Store.
func (db *DB) FindOffice(ctx context.Context, id string) (*office.Office, error) {
	o, err := scanOffice(db.QueryRow(ctx, db, `SELECT `+officeCols+` FROM offices WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, office.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// ListOffices implements office.Store: by name, optionally filtered.
func (db *DB) ListOffices(ctx context.Context, q string, limit int) ([]office.Office, error) {
	query := `SELECT ` + officeCols + ` FROM offices`
	var args []any
	if q = strings.TrimSpace(q); q != "" {
		query += ` WHERE LOWER(name) LIKE ? OR LOWER(city) LIKE ?`
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(strings.ToLower(q)) + "%"
		args = append(args, like, like)
	}
	query += ` ORDER BY name, id LIMIT ?`
	args = append(args, limit)
	rows, err := db.Query(ctx, db, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []office.Office
	for rows.Next() {
		o, err := scanOffice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// CountOffices implements office.Store.
func (db *DB) CountOffices(ctx context.Context) (int, error) {
	var n int
	err := db.QueryRow(ctx, db, `SELECT COUNT(*) FROM offices`).Scan(&n)
	return n, err
}

const respCols = `leika, ars, office_id, fitconnect_dest, xta_address, online_service_url, updated_at`

func scanResp(rows *sql.Rows) (office.Responsibility, error) {
	var r office.Responsibility
	var at int64
	err := rows.Scan(&r.LeiKa, &r.ARS, &r.OfficeID, &r.FITConnectDestination, &r.XTAAddress, &r.OnlineServiceURL, &at)
	r.UpdatedAt = FromMillis(at)
	return r, err
}

// ListResponsibilities implements office.Store.
func (db *DB) ListResponsibilities(ctx context.Context, officeID string) ([]office.Responsibility, error) {
	rows, err := db.Query(ctx, db, `SELECT `+respCols+` FROM responsibilities WHERE office_id = ? ORDER BY leika, ars`, officeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []office.Responsibility
	for rows.Next() {
		r, err := scanResp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FindResponsibilities implements office.Store in one query.
func (db *DB) FindResponsibilities(ctx context.Context, leika, areas []string) ([]office.Responsibility, map[string]office.Office, error) {
	if len(leika) == 0 || len(areas) == 0 {
		return nil, nil, nil
	}
	args := make([]any, 0, len(leika)+len(areas))
	for _, a := range areas {
		args = append(args, a)
	}
	for _, l := range leika {
		args = append(args, l)
	}
	q := `SELECT r.leika, r.ars, r.office_id, r.fitconnect_dest, r.xta_address, r.online_service_url, r.updated_at, ` +
		prefixed("o.", officeCols) + ` FROM responsibilities r JOIN offices o ON o.id = r.office_id
		WHERE r.ars IN (` + marks(len(areas)) + `) AND r.leika IN (` + marks(len(leika)) + `) ORDER BY r.leika, r.ars, o.name, o.id`
	rows, err := db.Query(ctx, db, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var rs []office.Responsibility
	offices := map[string]office.Office{}
	for rows.Next() {
		var r office.Responsibility
		var o office.Office
		var at, oat int64
		var demo int
		if err := rows.Scan(&r.LeiKa, &r.ARS, &r.OfficeID, &r.FITConnectDestination, &r.XTAAddress, &r.OnlineServiceURL, &at,
			&o.ID, &o.Name, &o.Street, &o.Postcode, &o.City, &o.Phone, &o.Email, &o.Website, &o.OpeningHours, &demo, &o.Source, &oat); err != nil {
			return nil, nil, err
		}
		r.UpdatedAt, o.UpdatedAt, o.Demo = FromMillis(at), FromMillis(oat), demo != 0
		rs = append(rs, r)
		offices[o.ID] = o
	}
	return rs, offices, rows.Err()
}

// SaveMunicipalityKeys replaces the exact regional keys (from GV100AD).
func (db *DB) SaveMunicipalityKeys(ctx context.Context, keys map[string][2]string) error {
	now := db.NowMillis()
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.Exec(ctx, tx, `DELETE FROM municipality_keys`); err != nil {
			return err
		}
		for ags, v := range keys {
			if _, err := db.Exec(ctx, tx, `INSERT INTO municipality_keys (ags, ars, name, updated_at) VALUES (?, ?, ?, ?)`, ags, v[0], v[1], now); err != nil {
				return err
			}
		}
		return nil
	})
}

// MunicipalityKeys returns the imported exact regional keys by AGS.
func (db *DB) MunicipalityKeys(ctx context.Context) (map[string]string, error) {
	rows, err := db.Query(ctx, db, `SELECT ags, ars FROM municipality_keys`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var a, r string
		if err := rows.Scan(&a, &r); err != nil {
			return nil, err
		}
		out[a] = r
	}
	return out, rows.Err()
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}
