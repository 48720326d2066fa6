package creator

import (
	"errors"
	"fmt"
)

// Error codes. The API maps each to one HTTP status in one table; callers
// branch on the code, never on the message.
const (
	EINVALID      = "invalid"      // bad input: a query parameter, a body field, a flag
	ENOTFOUND     = "not_found"    // no such creator, list, run
	ECONFLICT     = "conflict"     // the change clashes with what is stored
	EUNAUTHORIZED = "unauthorized" // no or unknown credentials
	EFORBIDDEN    = "forbidden"    // credentials lack the scope
	ERATELIMITED  = "rate_limited" // too many requests
	ETOOLARGE     = "too_large"    // body or result over a limit
	EUNAVAILABLE  = "unavailable"  // a dependency is down or a deadline passed
	EINTERNAL     = "internal"     // a bug or an unexpected failure
)

// Error is a domain error: a machine-readable Code, a human Message and,
// for bad input, the Param at fault (a query parameter, a JSON field, a
// config key or a CLI flag).
type Error struct {
	Code    string
	Message string
	Param   string
}

func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%s: %s", e.Param, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error that names the parameter at fault.
func Invalid(param, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Param: param, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-facing message of err: the *Error message, or
// a plain "internal error" for anything else so internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "internal error"
	}
}

// ErrorParam returns the Param of the first *Error in err's chain.
func ErrorParam(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Param
	}
	return ""
}
