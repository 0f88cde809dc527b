package e2e

import ()

// ObjectWrites counts writes by resource ("onlinemeetings",
// "onlinemeetings/status", "events") and object ("namespace/name"), so
// that a figure can be per object ("at most 2 writes per meeting"), not
// only a total.
type ObjectWrites map[string]map[string]int

// Total is the number of writes to resources.
func (w ObjectWrites) Total(resources ...string) int {
	n := 0
	for _, res := range resources {
		for _, c := range w[res] {
			n += c
		}
	}
	return n
}

// PerObject adds up, per object, the writes to resources (an object's
// status subresource counts as the object).
func (w ObjectWrites) PerObject(resources ...string) map[string]int {
	out := map[string]int{}
	for _, res := range resources {
		for key, c := range w[res] {
			out[key] += c
		}
	}
	return out
}

// Max is the most writes any one object had to resources, with the
// object.
func (w ObjectWrites) Max(resources ...string) (string, int) {
	key, most := "", 0
	for k, c := range w.PerObject(resources...) {
		if c > most || (c == most && k < key) {
			key, most = k, c
		}
	}
	return key, most
}

// ManagerObjectWrites is ManagerWrites by object.
func (c *Cluster) ManagerObjectWrites(mark AuditMark) (ObjectWrites, error) {
	return c.UserObjectWrites(mark, ManagerUser)
}

// UserObjectWrites counts user's writes the audit log holds since mark,
// by resource and object. Refused writes count too, as in ManagerWrites.
func (c *Cluster) UserObjectWrites(mark AuditMark, user string) (ObjectWrites, error) {
	w := ObjectWrites{}
	err := c.scanAudit(mark, user, func(e auditEntry) {
		if w[e.resource()] == nil {
			w[e.resource()] = map[string]int{}
		}
		w[e.resource()][e.ObjectRef.Namespace+"/"+e.ObjectRef.Name]++
	})
	return w, err
}
