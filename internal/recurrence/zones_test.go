package recurrence

import (
	"slices"
	"testing"
	"time"
)

func TestLoadZoneReadsIANAAndWindowsNames(t *testing.T) {
	winter := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name, wantZone string
		wantOffset     time.Duration // in January
	}{
		{"Europe/Berlin", "Europe/Berlin", time.Hour},
		{"W. Europe Standard Time", "Europe/Berlin", time.Hour},
		{"Eastern Standard Time", "America/New_York", -5 * time.Hour},
		{"Pacific Standard Time", "America/Los_Angeles", -8 * time.Hour},
		{"GMT Standard Time", "Europe/London", 0},
		{"UTC", "Etc/UTC", 0},
		{"India Standard Time", "Asia/Calcutta", 5*time.Hour + 30*time.Minute},
		{"Tokyo Standard Time", "Asia/Tokyo", 9 * time.Hour},
		{"AUS Eastern Standard Time", "Australia/Sydney", 11 * time.Hour},
		{"Dateline Standard Time", "Etc/GMT+12", -12 * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc, err := LoadZone(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			_, off := winter.In(loc).Zone()
			if loc.String() != tc.wantZone || time.Duration(off)*time.Second != tc.wantOffset {
				t.Errorf("LoadZone(%q) = %s at %s, want %s at %s", tc.name, loc, time.Duration(off)*time.Second, tc.wantZone, tc.wantOffset)
			}
		})
	}
}

func TestLoadZoneRefusesWhatIsNoZone(t *testing.T) {
	for _, name := range []string{"Mars/Base", "", "Local", "w. europe standard time", "../etc/passwd"} {
		if loc, err := LoadZone(name); err == nil {
			t.Errorf("LoadZone(%q) = %s, want an error", name, loc)
		}
	}
}

func TestEveryWindowsZoneNameLoads(t *testing.T) {
	names := WindowsZoneNames()
	if len(names) != 139 || !slices.IsSorted(names) {
		t.Errorf("WindowsZoneNames() has %d names (sorted: %t), want CLDR's 139 sorted", len(names), slices.IsSorted(names))
	}
	for _, name := range names {
		if _, err := LoadZone(name); err != nil {
			t.Errorf("LoadZone(%q): %v", name, err)
		}
	}
}
