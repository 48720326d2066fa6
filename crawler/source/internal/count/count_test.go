package count

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "12.3K", want: 12300},
		{in: "1,204", want: 1204},
		{in: "1.204", want: 1204}, // de grouping
		{in: "1,2 Mio.", want: 1_200_000},
		{in: "3,4万", want: 34_000},
		{in: "1.2M", want: 1_200_000},
		{in: "12,3 k", want: 12_300},
		{in: "1 234", want: 1234},
		{in: "1\u00a0234", want: 1234}, // no-break space
		{in: "1\u202f234", want: 1234}, // narrow no-break space (fr)
		{in: "2.5B", want: 2_500_000_000},
		{in: "1,5 Tsd.", want: 1500},
		{in: "10萬", want: 100_000},
		{in: "1.2亿", want: 120_000_000},
		{in: "0", want: 0}, // a printed zero is a known zero
		{in: "845", want: 845},
		{in: " 512 ", want: 512},
		{in: "1,234,567", want: 1_234_567},
		{in: "1.234.567", want: 1_234_567},
		{in: "1'234", want: 1234},          // de-CH
		{in: "12,34,567", want: 1_234_567}, // en-IN
		{in: "1.234,5K", want: 1_234_500},
		{in: "1 234 k", want: 1_234_000},
		{in: "1.2345K", want: 1235},   // rounded half up
		{in: "0.0000001K", bad: true}, // rounds to 0: not a count
		{in: "0.0K", want: 0},
		{in: "12K", want: 12_000},
		{in: "12 k", want: 12_000},
		{in: "3 mil", want: 3000},       // es
		{in: "1,2 mi", want: 1_200_000}, // pt-BR
		{in: "2,3 млн", want: 2_300_000},
		{in: "4,5 тыс.", want: 4500},
		{in: "1.5 Mrd.", want: 1_500_000_000},
		{in: "3.4만", want: 34_000},
		{in: "１２３", want: 123}, // full-width digits
		{in: "1.2 lakh", want: 120_000},

		{in: "", bad: true},
		{in: "   ", bad: true},
		{in: "abc", bad: true},
		{in: "{{followers}}", bad: true},
		{in: "12,x", bad: true},
		{in: "1,5", bad: true}, // a fraction needs a unit
		{in: "1.2", bad: true},
		{in: "-5", bad: true},
		{in: "+5", bad: true},
		{in: "10K+", bad: true},
		{in: "12 Q", bad: true},
		{in: "1..2K", bad: true},
		{in: "1.2.3", bad: true},
		{in: "12.", bad: true},
		{in: ".5K", bad: true},
		{in: "1,23", bad: true},
		{in: "1.234,5", bad: true},
		{in: "99999999999999999999", bad: true},
		{in: "9999999999999B", bad: true},
		{in: "K", bad: true},
		{in: "NaN", bad: true},
		{in: "1e6", bad: true},
		{in: "\xff12", bad: true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("Parse(%q) = %d, want an error", tt.in, got)
			} else if !errors.Is(err, ErrNotCount) {
				t.Errorf("Parse(%q) error %v does not wrap ErrNotCount", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.3K", "1,204", "1,2 Mio.", "3,4万", "1 234", "garbage"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err == nil && n < 0 {
			t.Fatalf("Parse(%q) = %d, negative", s, n)
		}
		if err != nil && n != 0 {
			t.Fatalf("Parse(%q) returned %d with error %v", s, n, err)
		}
	})
}
