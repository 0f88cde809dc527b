package recurrence

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	// The operator's image is distroless, without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// zones caches loaded locations: time.LoadLocation reads and parses the zone
// file each time, and every reconcile of every schedule asks again.
var zones sync.Map // name -> *time.Location

// LoadZone loads an IANA zone ("Europe/Berlin"), or a Windows zone name
// ("W. Europe Standard Time") through CLDR's windowsZones mapping for
// territory 001, the two spellings Graph accepts in dateTimeTimeZone.
// "Local" and the empty name are refused: time.LoadLocation would answer with
// the operator's own zone or UTC, which the user never asked for.
func LoadZone(name string) (*time.Location, error) {
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location), nil
	}
	if name == "" || strings.EqualFold(name, "Local") {
		return nil, fmt.Errorf("time zone %q is not an IANA or Windows time zone", name)
	}
	iana := name
	if z, ok := windowsZones[name]; ok {
		iana = z
	}
	loc, err := time.LoadLocation(iana)
	if err != nil {
		return nil, fmt.Errorf("time zone %q is not an IANA or Windows time zone", name)
	}
	zones.Store(name, loc)
	return loc, nil
}

// WindowsZoneNames lists every Windows zone name LoadZone knows, sorted.
func WindowsZoneNames() []string {
	names := make([]string, 0, len(windowsZones))
	for n := range windowsZones {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
