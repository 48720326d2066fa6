package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creatorscout/creatorscout/creator"
)

// Outreach statuses of a creator on a prospect list.
const (
	StatusNew       = "new"
	StatusContacted = "contacted"
	StatusReplied   = "replied"
	StatusAgreed    = "agreed"
	StatusDeclined  = "declined"
)

// ListStatuses lists the statuses in outreach order.
var ListStatuses = []string{StatusNew, StatusContacted, StatusReplied, StatusAgreed, StatusDeclined}

// Limits on list and saved-search text.
const (
	MaxNameLen = 200
	MaxNoteLen = 4000
)

// List is a prospect list.
type List struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Size      int       `json:"size"` // creators on the list
}

// ListItem is one creator on a prospect list.
type ListItem struct {
	ListID    int64     `json:"list_id"`
	CreatorID string    `json:"creator_id"`
	Note      string    `json:"note"`
	Status    string    `json:"status"`
	AddedAt   time.Time `json:"added_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", creator.Invalid("name", "name is empty")
	case !utf8.ValidString(name):
		return "", creator.Invalid("name", "name is not valid UTF-8")
	case utf8.RuneCountInString(name) > MaxNameLen:
		return "", creator.Invalid("name", "name is longer than %d characters", MaxNameLen)
	}
	return name, nil
}

func checkStatus(status string) error {
	for _, s := range ListStatuses {
		if status == s {
			return nil
		}
	}
	return creator.Invalid("status", "status %q is not one of %s", status, strings.Join(ListStatuses, ", "))
}

func checkNote(note string) error {
	if !utf8.ValidString(note) {
		return creator.Invalid("note", "note is not valid UTF-8")
	}
	if utf8.RuneCountInString(note) > MaxNoteLen {
		return creator.Invalid("note", "note is longer than %d characters", MaxNoteLen)
	}
	return nil
}

// CreateList creates an empty prospect list.
func (s *Store) CreateList(ctx context.Context, name string, at time.Time) (*List, error) {
	name, err := checkName(name)
	if err != nil {
		return nil, err
	}
	if err := checkAt("at", at); err != nil {
		return nil, err
	}
	at = at.UTC()
	l := &List{Name: name, CreatedAt: at, UpdatedAt: at}
	err = s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO lists (name, created_at, updated_at) VALUES (?,?,?)`,
			name, fmtTime(at), fmtTime(at))
		if err != nil {
			return err
		}
		l.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: create list: %w", err)
	}
	return l, nil
}

// RenameList renames a list; an unknown list is ENOTFOUND.
func (s *Store) RenameList(ctx context.Context, id int64, name string, at time.Time) error {
	name, err := checkName(name)
	if err != nil {
		return err
	}
	if err := checkAt("at", at); err != nil {
		return err
	}
	err = s.write(ctx, func(tx *txn) error {
		return mustAffect(tx.ExecContext(ctx, `UPDATE lists SET name=?, updated_at=? WHERE id=?`, name, fmtTime(at), id))(notFound("list", id))
	})
	if err != nil {
		return wrapErr(fmt.Sprintf("rename list %d", id), err)
	}
	return nil
}

// DeleteList deletes a list and its entries (not the creators).
func (s *Store) DeleteList(ctx context.Context, id int64) error {
	err := s.write(ctx, func(tx *txn) error {
		return mustAffect(tx.ExecContext(ctx, `DELETE FROM lists WHERE id=?`, id))(notFound("list", id))
	})
	if err != nil {
		return wrapErr(fmt.Sprintf("delete list %d", id), err)
	}
	return nil
}

// mustAffect turns a result that changed no row into the given error.
func mustAffect(res sql.Result, err error) func(error) error {
	return func(none error) error {
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return none
		}
		return nil
	}
}

const listCols = `l.id, l.name, l.created_at, l.updated_at, (SELECT count(*) FROM list_items i WHERE i.list_id = l.id)`

func scanList(sc scanner) (*List, error) {
	var l List
	var created, updated sql.NullString
	if err := sc.Scan(&l.ID, &l.Name, &created, &updated, &l.Size); err != nil {
		return nil, err
	}
	var err error
	if l.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if l.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &l, nil
}

// List returns one list; an unknown id is ENOTFOUND.
func (s *Store) List(ctx context.Context, id int64) (*List, error) {
	l, err := scanList(s.r.QueryRowContext(ctx, `SELECT `+listCols+` FROM lists l WHERE l.id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("list", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: list %d: %w", id, err)
	}
	return l, nil
}

// Lists returns every list, by id.
func (s *Store) Lists(ctx context.Context) ([]List, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+listCols+` FROM lists l ORDER BY l.id`)
	if err != nil {
		return nil, fmt.Errorf("store: lists: %w", err)
	}
	defer rows.Close()
	var out []List
	for rows.Next() {
		l, err := scanList(rows)
		if err != nil {
			return nil, fmt.Errorf("store: lists: %w", err)
		}
		out = append(out, *l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: lists: %w", err)
	}
	return out, nil
}

// creatorPK returns the internal key of a creator, or ENOTFOUND.
func creatorPK(ctx context.Context, tx querier, id string) (int64, error) {
	var pk int64
	err := tx.QueryRowContext(ctx, qCreatorPK, id).Scan(&pk)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("creator", id)
	}
	return pk, err
}

func listExists(ctx context.Context, tx querier, id int64) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM lists WHERE id=?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("list", id)
	}
	return err
}

// AddToList puts a creator on a list with a note and a status ("" is
// "new"). Adding a creator already on the list changes nothing and reports
// added=false; use UpdateListItem to edit it.
func (s *Store) AddToList(ctx context.Context, listID int64, creatorID, note, status string, at time.Time) (added bool, err error) {
	if status == "" {
		status = StatusNew
	}
	if err := checkStatus(status); err != nil {
		return false, err
	}
	if err := checkNote(note); err != nil {
		return false, err
	}
	if err := checkAt("at", at); err != nil {
		return false, err
	}
	err = s.write(ctx, func(tx *txn) error {
		if err := listExists(ctx, tx, listID); err != nil {
			return err
		}
		pk, err := creatorPK(ctx, tx, creatorID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO list_items (list_id, creator_pk, note, status, added_at, updated_at)
			VALUES (?,?,?,?,?,?) ON CONFLICT (list_id, creator_pk) DO NOTHING`,
			listID, pk, note, status, fmtTime(at), fmtTime(at))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		added = n > 0
		if added {
			_, err = tx.ExecContext(ctx, `UPDATE lists SET updated_at=? WHERE id=?`, fmtTime(at), listID)
		}
		return err
	})
	if err != nil {
		return false, wrapErr(fmt.Sprintf("add %s to list %d", creatorID, listID), err)
	}
	return added, nil
}

// UpdateListItem changes the status and/or note of a creator on a list (a
// nil argument leaves that field). ENOTFOUND when the list, the creator or
// the entry does not exist.
func (s *Store) UpdateListItem(ctx context.Context, listID int64, creatorID string, status, note *string, at time.Time) error {
	if status != nil {
		if err := checkStatus(*status); err != nil {
			return err
		}
	}
	if note != nil {
		if err := checkNote(*note); err != nil {
			return err
		}
	}
	if err := checkAt("at", at); err != nil {
		return err
	}
	err := s.write(ctx, func(tx *txn) error {
		pk, err := creatorPK(ctx, tx, creatorID)
		if err != nil {
			return err
		}
		return mustAffect(tx.ExecContext(ctx, `UPDATE list_items SET status=COALESCE(?, status), note=COALESCE(?, note),
			updated_at=? WHERE list_id=? AND creator_pk=?`, ptrArg(status), ptrArg(note), fmtTime(at), listID, pk))(
			creator.Errorf(creator.ENOTFOUND, "creator %s is not on list %d", creatorID, listID))
	})
	if err != nil {
		return wrapErr(fmt.Sprintf("update %s on list %d", creatorID, listID), err)
	}
	return nil
}

// RemoveFromList takes a creator off a list; ENOTFOUND when it is not on it.
func (s *Store) RemoveFromList(ctx context.Context, listID int64, creatorID string) error {
	err := s.write(ctx, func(tx *txn) error {
		pk, err := creatorPK(ctx, tx, creatorID)
		if err != nil {
			return err
		}
		return mustAffect(tx.ExecContext(ctx, `DELETE FROM list_items WHERE list_id=? AND creator_pk=?`, listID, pk))(
			creator.Errorf(creator.ENOTFOUND, "creator %s is not on list %d", creatorID, listID))
	})
	if err != nil {
		return wrapErr(fmt.Sprintf("remove %s from list %d", creatorID, listID), err)
	}
	return nil
}

// ListItems returns the creators on a list, in the order they were added,
// with their current ids (a renamed creator shows its new id). An unknown
// list is ENOTFOUND.
func (s *Store) ListItems(ctx context.Context, listID int64) ([]ListItem, error) {
	var out []ListItem
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := listExists(ctx, tx, listID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT i.list_id, c.id, i.note, i.status, i.added_at, i.updated_at
			FROM list_items i JOIN creators c ON c.pk = i.creator_pk
			WHERE i.list_id=? ORDER BY i.added_at, c.id`, listID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it ListItem
			var added, updated sql.NullString
			if err := rows.Scan(&it.ListID, &it.CreatorID, &it.Note, &it.Status, &added, &updated); err != nil {
				return err
			}
			if it.AddedAt, err = parseTime(added); err != nil {
				return err
			}
			if it.UpdatedAt, err = parseTime(updated); err != nil {
				return err
			}
			out = append(out, it)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrapErr(fmt.Sprintf("list items of %d", listID), err)
	}
	return out, nil
}
