package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// EnvPrefix starts every environment override. The rest of the name is the
// key path in upper case with '_' for '.', e.g. CREATORSCOUT_API_ADDR for
// api.addr and CREATORSCOUT_SOURCES_YOUTUBE_API_KEY for sources.youtube.api_key.
// Lists take comma-separated values. Lists of tables and maps cannot be set
// from the environment.
const EnvPrefix = "CREATORSCOUT_"

var durationType = reflect.TypeOf(time.Duration(0))

// EnvKeys lists every environment variable Load understands, with its key.
func EnvKeys() map[string]string {
	out := map[string]string{}
	walkScalars(reflect.ValueOf(&Config{}).Elem(), "", func(key string, _ reflect.Value) {
		out[envName(key)] = key
	})
	return out
}

func envName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

func applyEnv(cfg *Config, env []string) (set map[string]string, err error) {
	vals := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, EnvPrefix) {
			vals[k] = v
		}
	}
	if len(vals) == 0 {
		return nil, nil
	}
	known := map[string]bool{}
	set = map[string]string{}
	walkScalars(reflect.ValueOf(cfg).Elem(), "", func(key string, f reflect.Value) {
		name := envName(key)
		known[name] = true
		raw, ok := vals[name]
		if !ok || err != nil {
			return
		}
		if e := setScalar(f, raw); e != nil {
			err = fmt.Errorf("%s (%s): %v", name, key, e)
		}
		set[key] = name
	})
	if err != nil {
		return nil, err
	}
	for name := range vals {
		if !known[name] {
			return nil, fmt.Errorf("%s: no such setting (see creatorscout.example.yaml)", name)
		}
	}
	return set, nil
}

// walkScalars calls fn for every settable scalar or scalar list under v.
func walkScalars(v reflect.Value, prefix string, fn func(key string, f reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Struct:
			walkScalars(f, key, fn)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() != reflect.String:
		case f.Kind() == reflect.Map:
		default:
			fn(key, f)
		}
	}
}

func setScalar(f reflect.Value, raw string) error {
	raw = strings.TrimSpace(raw)
	switch {
	case f.Type() == durationType:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 30s", raw)
		}
		f.SetInt(int64(d))
	case f.Type() == reflect.TypeOf(ByteSize(0)):
		b, err := ParseByteSize(raw)
		if err != nil {
			return err
		}
		f.SetInt(int64(b))
	case f.Kind() == reflect.String:
		f.SetString(raw)
	case f.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		f.SetBool(b)
	case f.Kind() == reflect.Int || f.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		f.SetInt(n)
	case f.Kind() == reflect.Float64:
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", raw)
		}
		f.SetFloat(x)
	case f.Kind() == reflect.Slice:
		var parts []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		f.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}
