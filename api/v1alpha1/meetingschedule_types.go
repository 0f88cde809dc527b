package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The Windows zone names in the timeZone rules are internal/recurrence's
// WindowsZoneNames (CLDR's windowsZones, territory 001); a test keeps them
// in step.

// DateTimeTimeZone is Graph's dateTimeTimeZone: a wall-clock time and the
// zone it is read in, as an Outlook event's start and end are written.
type DateTimeTimeZone struct {
	// dateTime is the local date and time without offset, e.g.
	// 2026-12-01T09:00:00.
	// +required
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?$`
	DateTime string `json:"dateTime"`

	// timeZone is an IANA name (Europe/Berlin) or a Windows name Graph
	// uses (W. Europe Standard Time).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self in ['AUS Central Standard Time', 'AUS Eastern Standard Time', 'Afghanistan Standard Time', 'Alaskan Standard Time', 'Aleutian Standard Time', 'Altai Standard Time', 'Arab Standard Time', 'Arabian Standard Time', 'Arabic Standard Time', 'Argentina Standard Time', 'Astrakhan Standard Time', 'Atlantic Standard Time', 'Aus Central W. Standard Time', 'Azerbaijan Standard Time', 'Azores Standard Time', 'Bahia Standard Time', 'Bangladesh Standard Time', 'Belarus Standard Time', 'Bougainville Standard Time', 'Canada Central Standard Time', 'Cape Verde Standard Time', 'Caucasus Standard Time', 'Cen. Australia Standard Time', 'Central America Standard Time', 'Central Asia Standard Time', 'Central Brazilian Standard Time', 'Central Europe Standard Time', 'Central European Standard Time', 'Central Pacific Standard Time', 'Central Standard Time', 'Central Standard Time (Mexico)', 'Chatham Islands Standard Time', 'China Standard Time', 'Cuba Standard Time', 'Dateline Standard Time', 'E. Africa Standard Time', 'E. Australia Standard Time', 'E. Europe Standard Time', 'E. South America Standard Time', 'Easter Island Standard Time', 'Eastern Standard Time', 'Eastern Standard Time (Mexico)', 'Egypt Standard Time', 'Ekaterinburg Standard Time', 'FLE Standard Time', 'Fiji Standard Time', 'GMT Standard Time', 'GTB Standard Time', 'Georgian Standard Time', 'Greenland Standard Time', 'Greenwich Standard Time', 'Haiti Standard Time', 'Hawaiian Standard Time', 'India Standard Time', 'Iran Standard Time', 'Israel Standard Time', 'Jordan Standard Time', 'Kaliningrad Standard Time', 'Korea Standard Time', 'Libya Standard Time', 'Line Islands Standard Time', 'Lord Howe Standard Time', 'Magadan Standard Time', 'Magallanes Standard Time', 'Marquesas Standard Time', 'Mauritius Standard Time', 'Middle East Standard Time', 'Montevideo Standard Time', 'Morocco Standard Time', 'Mountain Standard Time', 'Mountain Standard Time (Mexico)', 'Myanmar Standard Time', 'N. Central Asia Standard Time', 'Namibia Standard Time', 'Nepal Standard Time', 'New Zealand Standard Time', 'Newfoundland Standard Time', 'Norfolk Standard Time', 'North Asia East Standard Time', 'North Asia Standard Time', 'North Korea Standard Time', 'Omsk Standard Time', 'Pacific SA Standard Time', 'Pacific Standard Time', 'Pacific Standard Time (Mexico)', 'Pakistan Standard Time', 'Paraguay Standard Time', 'Qyzylorda Standard Time', 'Romance Standard Time', 'Russia Time Zone 10', 'Russia Time Zone 11', 'Russia Time Zone 3', 'Russian Standard Time', 'SA Eastern Standard Time', 'SA Pacific Standard Time', 'SA Western Standard Time', 'SE Asia Standard Time', 'Saint Pierre Standard Time', 'Sakhalin Standard Time', 'Samoa Standard Time', 'Sao Tome Standard Time', 'Saratov Standard Time', 'Singapore Standard Time', 'South Africa Standard Time', 'South Sudan Standard Time', 'Sri Lanka Standard Time', 'Sudan Standard Time', 'Syria Standard Time', 'Taipei Standard Time', 'Tasmania Standard Time', 'Tocantins Standard Time', 'Tokyo Standard Time', 'Tomsk Standard Time', 'Tonga Standard Time', 'Transbaikal Standard Time', 'Turkey Standard Time', 'Turks And Caicos Standard Time', 'US Eastern Standard Time', 'US Mountain Standard Time', 'UTC', 'UTC+12', 'UTC+13', 'UTC-02', 'UTC-08', 'UTC-09', 'UTC-11', 'Ulaanbaatar Standard Time', 'Venezuela Standard Time', 'Vladivostok Standard Time', 'Volgograd Standard Time', 'W. Australia Standard Time', 'W. Central Africa Standard Time', 'W. Europe Standard Time', 'W. Mongolia Standard Time', 'West Asia Standard Time', 'West Bank Standard Time', 'West Pacific Standard Time', 'Yakutsk Standard Time', 'Yukon Standard Time'] || timestamp('2000-01-01T00:00:00Z').getHours(self) >= 0",message="timeZone must be an IANA time zone (Europe/Berlin) or a Windows one Graph uses (W. Europe Standard Time)"
	TimeZone string `json:"timeZone"`
}

// RecurrencePatternType is how often the meeting repeats.
// +kubebuilder:validation:Enum=daily;weekly;absoluteMonthly;relativeMonthly;absoluteYearly;relativeYearly
type RecurrencePatternType string

// DayOfWeek is a day, as Graph names it.
// +kubebuilder:validation:Enum=sunday;monday;tuesday;wednesday;thursday;friday;saturday
type DayOfWeek string

// WeekIndex is which week of the month a relative pattern means.
// +kubebuilder:validation:Enum=first;second;third;fourth;last
type WeekIndex string

// RecurrencePattern is Graph's recurrencePattern.
// +kubebuilder:validation:XValidation:rule="!(self.type in ['weekly', 'relativeMonthly', 'relativeYearly']) || (has(self.daysOfWeek) && size(self.daysOfWeek) > 0)",message="recurrence.pattern.daysOfWeek is required for weekly, relativeMonthly and relativeYearly patterns"
// +kubebuilder:validation:XValidation:rule="!(self.type in ['absoluteMonthly', 'absoluteYearly']) || has(self.dayOfMonth)",message="recurrence.pattern.dayOfMonth is required for absoluteMonthly and absoluteYearly patterns"
// +kubebuilder:validation:XValidation:rule="!(self.type in ['absoluteYearly', 'relativeYearly']) || has(self.month)",message="recurrence.pattern.month is required for yearly patterns"
type RecurrencePattern struct {
	// type is daily, weekly, absoluteMonthly, relativeMonthly,
	// absoluteYearly or relativeYearly.
	// +required
	Type RecurrencePatternType `json:"type"`

	// interval is the number of days, weeks, months or years between
	// occurrences; default 1.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=99
	Interval int32 `json:"interval,omitempty"`

	// daysOfWeek are the days of a weekly pattern, or the day of a
	// relative one.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=7
	DaysOfWeek []DayOfWeek `json:"daysOfWeek,omitempty"`

	// dayOfMonth is the day of an absolute pattern, 1 to 31.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=31
	DayOfMonth int32 `json:"dayOfMonth,omitempty"`

	// index is the week of a relative pattern: first, second, third,
	// fourth or last; default first.
	// +optional
	Index WeekIndex `json:"index,omitempty"`

	// month is the month of a yearly pattern, 1 to 12.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=12
	Month int32 `json:"month,omitempty"`

	// firstDayOfWeek decides which weeks a weekly pattern with an interval
	// above 1 counts; default sunday.
	// +optional
	FirstDayOfWeek DayOfWeek `json:"firstDayOfWeek,omitempty"`
}

// RecurrenceRangeType is how the series ends.
// +kubebuilder:validation:Enum=endDate;noEnd;numbered
type RecurrenceRangeType string

// RecurrenceRange is Graph's recurrenceRange.
// +kubebuilder:validation:XValidation:rule="self.type != 'numbered' || has(self.numberOfOccurrences)",message="recurrence.range.numberOfOccurrences is required for numbered ranges"
// +kubebuilder:validation:XValidation:rule="self.type != 'endDate' || has(self.endDate)",message="recurrence.range.endDate is required for endDate ranges"
// +kubebuilder:validation:XValidation:rule="!has(self.endDate) || self.endDate >= self.startDate",message="recurrence.range.endDate must not be before startDate"
type RecurrenceRange struct {
	// type is endDate, noEnd or numbered.
	// +required
	Type RecurrenceRangeType `json:"type"`

	// startDate is start's date, YYYY-MM-DD, as Graph requires; the first
	// occurrence is the first date on or after it that fits the pattern.
	// +required
	// +kubebuilder:validation:Pattern=`^\d{4}-\d{2}-\d{2}$`
	StartDate string `json:"startDate"`

	// endDate is the last date, YYYY-MM-DD, for endDate ranges.
	// +optional
	// +kubebuilder:validation:Pattern=`^\d{4}-\d{2}-\d{2}$`
	EndDate string `json:"endDate,omitempty"`

	// numberOfOccurrences is how many occurrences a numbered range has.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=999
	NumberOfOccurrences int32 `json:"numberOfOccurrences,omitempty"`

	// recurrenceTimeZone is the zone the dates are read in; default the
	// start's.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self in ['AUS Central Standard Time', 'AUS Eastern Standard Time', 'Afghanistan Standard Time', 'Alaskan Standard Time', 'Aleutian Standard Time', 'Altai Standard Time', 'Arab Standard Time', 'Arabian Standard Time', 'Arabic Standard Time', 'Argentina Standard Time', 'Astrakhan Standard Time', 'Atlantic Standard Time', 'Aus Central W. Standard Time', 'Azerbaijan Standard Time', 'Azores Standard Time', 'Bahia Standard Time', 'Bangladesh Standard Time', 'Belarus Standard Time', 'Bougainville Standard Time', 'Canada Central Standard Time', 'Cape Verde Standard Time', 'Caucasus Standard Time', 'Cen. Australia Standard Time', 'Central America Standard Time', 'Central Asia Standard Time', 'Central Brazilian Standard Time', 'Central Europe Standard Time', 'Central European Standard Time', 'Central Pacific Standard Time', 'Central Standard Time', 'Central Standard Time (Mexico)', 'Chatham Islands Standard Time', 'China Standard Time', 'Cuba Standard Time', 'Dateline Standard Time', 'E. Africa Standard Time', 'E. Australia Standard Time', 'E. Europe Standard Time', 'E. South America Standard Time', 'Easter Island Standard Time', 'Eastern Standard Time', 'Eastern Standard Time (Mexico)', 'Egypt Standard Time', 'Ekaterinburg Standard Time', 'FLE Standard Time', 'Fiji Standard Time', 'GMT Standard Time', 'GTB Standard Time', 'Georgian Standard Time', 'Greenland Standard Time', 'Greenwich Standard Time', 'Haiti Standard Time', 'Hawaiian Standard Time', 'India Standard Time', 'Iran Standard Time', 'Israel Standard Time', 'Jordan Standard Time', 'Kaliningrad Standard Time', 'Korea Standard Time', 'Libya Standard Time', 'Line Islands Standard Time', 'Lord Howe Standard Time', 'Magadan Standard Time', 'Magallanes Standard Time', 'Marquesas Standard Time', 'Mauritius Standard Time', 'Middle East Standard Time', 'Montevideo Standard Time', 'Morocco Standard Time', 'Mountain Standard Time', 'Mountain Standard Time (Mexico)', 'Myanmar Standard Time', 'N. Central Asia Standard Time', 'Namibia Standard Time', 'Nepal Standard Time', 'New Zealand Standard Time', 'Newfoundland Standard Time', 'Norfolk Standard Time', 'North Asia East Standard Time', 'North Asia Standard Time', 'North Korea Standard Time', 'Omsk Standard Time', 'Pacific SA Standard Time', 'Pacific Standard Time', 'Pacific Standard Time (Mexico)', 'Pakistan Standard Time', 'Paraguay Standard Time', 'Qyzylorda Standard Time', 'Romance Standard Time', 'Russia Time Zone 10', 'Russia Time Zone 11', 'Russia Time Zone 3', 'Russian Standard Time', 'SA Eastern Standard Time', 'SA Pacific Standard Time', 'SA Western Standard Time', 'SE Asia Standard Time', 'Saint Pierre Standard Time', 'Sakhalin Standard Time', 'Samoa Standard Time', 'Sao Tome Standard Time', 'Saratov Standard Time', 'Singapore Standard Time', 'South Africa Standard Time', 'South Sudan Standard Time', 'Sri Lanka Standard Time', 'Sudan Standard Time', 'Syria Standard Time', 'Taipei Standard Time', 'Tasmania Standard Time', 'Tocantins Standard Time', 'Tokyo Standard Time', 'Tomsk Standard Time', 'Tonga Standard Time', 'Transbaikal Standard Time', 'Turkey Standard Time', 'Turks And Caicos Standard Time', 'US Eastern Standard Time', 'US Mountain Standard Time', 'UTC', 'UTC+12', 'UTC+13', 'UTC-02', 'UTC-08', 'UTC-09', 'UTC-11', 'Ulaanbaatar Standard Time', 'Venezuela Standard Time', 'Vladivostok Standard Time', 'Volgograd Standard Time', 'W. Australia Standard Time', 'W. Central Africa Standard Time', 'W. Europe Standard Time', 'W. Mongolia Standard Time', 'West Asia Standard Time', 'West Bank Standard Time', 'West Pacific Standard Time', 'Yakutsk Standard Time', 'Yukon Standard Time'] || timestamp('2000-01-01T00:00:00Z').getHours(self) >= 0",message="recurrenceTimeZone must be an IANA time zone (Europe/Berlin) or a Windows one Graph uses (W. Europe Standard Time)"
	RecurrenceTimeZone string `json:"recurrenceTimeZone,omitempty"`
}

// PatternedRecurrence is Graph's patternedRecurrence.
type PatternedRecurrence struct {
	// pattern is how often the meeting repeats.
	// +required
	Pattern RecurrencePattern `json:"pattern"`
	// range is when the series starts and ends.
	// +required
	Range RecurrenceRange `json:"range"`
}

// MeetingTemplate is what every occurrence's OnlineMeeting gets: the
// OnlineMeeting spec without its times and externalId, which the schedule
// sets.
type MeetingTemplate struct {
	// subject is each meeting's title.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\p{Cc}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="subject must not contain control or bidirectional-override characters"
	Subject string `json:"subject,omitempty"`

	// organizer is the user the meetings are made for.
	// +required
	Organizer Organizer `json:"organizer"`

	// participants lists who is invited besides the organizer.
	// +optional
	Participants *MeetingParticipants `json:"participants,omitempty"`

	// MeetingOptions are the options Graph sets by PATCH.
	MeetingOptions `json:",inline"`

	// connectionRef names the connection of every meeting (see
	// OnlineMeeting).
	// +optional
	ConnectionRef *ConnectionReference `json:"connectionRef,omitempty"`

	// deletionPolicy is every meeting's: Delete (default) or Orphan.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// joinInfoSecret gives each meeting a join Secret named
	// <namePrefix>-<yyyymmdd>.
	// +optional
	JoinInfoSecret *JoinInfoSecretTemplate `json:"joinInfoSecret,omitempty"`
}

// JoinInfoSecretTemplate names the join Secrets of a schedule's meetings.
type JoinInfoSecretTemplate struct {
	// namePrefix starts each Secret's name; the occurrence's date ends it.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	NamePrefix string `json:"namePrefix"`
}

// MeetingScheduleSpec is a recurring meeting, in the shape of Graph's
// event (start, end, recurrence), so an Outlook event's JSON pastes in.
type MeetingScheduleSpec struct {
	// start is the first occurrence's start, in its time zone.
	// +required
	Start DateTimeTimeZone `json:"start"`

	// end is the first occurrence's end; every occurrence lasts as long.
	// +required
	End DateTimeTimeZone `json:"end"`

	// recurrence is how the meeting repeats.
	// +required
	Recurrence PatternedRecurrence `json:"recurrence"`

	// meetingTemplate is what every occurrence's OnlineMeeting gets.
	// +required
	MeetingTemplate MeetingTemplate `json:"meetingTemplate"`

	// upcoming is how many future occurrences exist at once; default 2.
	// +optional
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=52
	Upcoming int32 `json:"upcoming,omitempty"`

	// endedHistoryLimit is how many ended occurrences are kept; default 1.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=52
	EndedHistoryLimit *int32 `json:"endedHistoryLimit,omitempty"`

	// suspend: true stops the schedule making or removing occurrences (the
	// existing meetings carry on as they are).
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// skipDates are local dates (YYYY-MM-DD) of occurrences not held, e.g.
	// holidays.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=366
	// +kubebuilder:validation:items:Pattern=`^\d{4}-\d{2}-\d{2}$`
	SkipDates []string `json:"skipDates,omitempty"`
}

// ScheduledOccurrence is one occurrence the schedule holds.
type ScheduledOccurrence struct {
	// start is the occurrence's start.
	Start metav1.Time `json:"start"`
	// end is the occurrence's end.
	End metav1.Time `json:"end"`
	// name is the OnlineMeeting of the occurrence.
	Name string `json:"name"`
	// joinWebUrl is its join link, once Ready.
	// +optional
	JoinWebURL string `json:"joinWebUrl,omitempty"`
	// ready says whether its OnlineMeeting is Ready.
	Ready bool `json:"ready"`
}

// MeetingScheduleStatus is the schedule's upcoming occurrences.
type MeetingScheduleStatus struct {
	// conditions: Ready is True when every upcoming occurrence is Ready.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the generation of the spec that status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// occurrences are the upcoming occurrences, soonest first.
	// +optional
	// +listType=atomic
	Occurrences []ScheduledOccurrence `json:"occurrences,omitempty"`

	// nextStart is the start of the soonest upcoming occurrence.
	// +optional
	NextStart *metav1.Time `json:"nextStart,omitempty"`

	// nextJoinWebUrl is its join link.
	// +optional
	NextJoinWebURL string `json:"nextJoinWebUrl,omitempty"`
}

// MeetingSchedule keeps one OnlineMeeting per upcoming occurrence of a
// recurring meeting, as a CronJob keeps Jobs.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ms,categories=meetings
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 52",message="a MeetingSchedule's name may have at most 52 characters: its meetings are named <name>-<yyyymmdd> and labelled with it"
// +kubebuilder:printcolumn:name="Next start",type=string,JSONPath=`.status.nextStart`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Next join URL",type=string,JSONPath=`.status.nextJoinWebUrl`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type MeetingSchedule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the recurring meeting as it should be.
	// +required
	Spec MeetingScheduleSpec `json:"spec"`

	// status is its upcoming occurrences.
	// +optional
	Status MeetingScheduleStatus `json:"status,omitempty"`
}

// MeetingScheduleList is a list of MeetingSchedules.
// +kubebuilder:object:root=true
type MeetingScheduleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MeetingSchedule `json:"items"`
}

func init() {
	SchemeBuilder.Register(&MeetingSchedule{}, &MeetingScheduleList{})
}
