// Package holidays tells on which days a counselling centre is closed for a
// public holiday, so that the appointment booking never offers such a day.
//
// A centre is closed on the public holidays of its Land and, where a holiday
// is local, of its municipality; both are read from the centre's AGS (the
// 8-digit Amtlicher Gemeindeschlüssel, whose first 2 digits are the Land).
//
// The dates come from github.com/rickar/cal/v2/de (BSD-3). This package is a
// thin wrapper that fixes what that package (v2.1.32) gets wrong or leaves
// out; each fix is listed here and commented where it is made:
//
//   - Internationaler Frauentag (8 March): Berlin since 2019 (cal has it in
//     every year), Mecklenburg-Vorpommern since 2023 (cal lacks it).
//   - Augsburger Hohes Friedensfest (8 August): only in the city of Augsburg
//     (cal defines it but lists it nowhere).
//   - Mariä Himmelfahrt (15 August) in Bavaria (cal lists it nowhere
//     there): by law only in the municipalities with more Catholics than
//     Protestants, 1,708 of 2,056. We do not have that official list as
//     data, so we close every Bavarian municipality on 15 August except the
//     20 known not to keep it (Nürnberg, Fürth, Erlangen, Nördlingen, …; see
//     bavariaNoAssumption). That errs on the safe side: a centre in an
//     unlisted Protestant municipality loses a bookable day, nobody is
//     booked on a day a centre is closed.
//   - Fronleichnam in the Catholic municipalities of Sachsen and Thüringen
//     (cal lacks it), decided per municipality, as an AGS cannot name an
//     Ortsteil: closed in 10 Sorbian municipalities of Landkreis Bautzen, in
//     all of Landkreis Eichsfeld and in 7 municipalities of the
//     Unstrut-Hainich-Kreis and the Wartburgkreis; open in Bautzen, Göda,
//     Großdubrau, Hoyerswerda and Dermbach, where only outlying villages
//     keep it (see corpusChristiSN and corpusChristiTH).
//   - Ostersonntag and Pfingstsonntag in Brandenburg (its Feiertagsgesetz,
//     § 2; cal lacks them): Sundays, but holidays by law there.
//   - Reformationstag in Bremen, Hamburg, Niedersachsen and
//     Schleswig-Holstein only since 2018 (cal has it in every year), and
//     everywhere in 2017 (500 years of the Reformation).
//   - Berlin's one-off holidays: 8 May 2020, 8 May 2025, 17 June 2028.
//
// The rules are those in force now, with the changes since 2017 above;
// years before 2017 get today's rules and are not meant to be asked for.
package holidays

import (
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Berlin must not depend on the host's zoneinfo: a wrong zone shifts every holiday by a day at midnight.

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/aa"
	"github.com/rickar/cal/v2/de"
)

// Holiday is one public holiday on which a centre is closed.
type Holiday struct {
	// Date is the holiday's midnight in Europe/Berlin.
	Date time.Time
	// Name is the German name; where two holidays fall on one day both
	// names, joined by ", ".
	Name string
}

// berlin is the zone in which a holiday is a calendar day: German law counts
// holidays from midnight to midnight local time.
var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		// Cannot happen: time/tzdata is embedded above.
		panic("holidays: Europe/Berlin: " + err.Error())
	}
	return l
}()

// Closed reports whether a centre in the municipality ags is closed for a
// public holiday on date, and the holiday's name.
//
// The day that counts is date's calendar day in Europe/Berlin, whatever
// date's own location: 2026-10-02 23:30 UTC is already 3 October in Berlin.
// ags is the 8-digit municipality key; for anything else (empty, short,
// non-digits, a Land key that does not exist) only the nationwide holidays
// count, see InYear.
func Closed(date time.Time, ags string) (name string, closed bool) {
	y, m, d := date.In(berlin).Date()
	for _, h := range InYear(y, ags) {
		if hm, hd := h.Date.Month(), h.Date.Day(); hm == m && hd == d {
			return h.Name, true
		}
	}
	return "", false
}

// InYear returns the public holidays of year in the municipality ags,
// sorted by date, one entry per day.
//
// ags must be the 8-digit Amtlicher Gemeindeschlüssel, e.g. "09761000" for
// Augsburg. A key that is not 8 digits, or whose first 2 digits are no Land
// ("01".."16"), yields only the holidays kept in all of Germany (9 a year,
// 10 in 2017): we cannot tell the Land, and the booking should have refused
// such a centre before (internal/geo knows every AGS). A well-formed key of
// a municipality we do not know gets its Land's holidays and the local
// rules' defaults (15 August in Bavaria, no Friedensfest, no Fronleichnam
// in Sachsen, nor in Thüringen outside Landkreis Eichsfeld).
func InYear(year int, ags string) []Holiday {
	rules := nationwide
	if l, ok := lands[land(ags)]; ok {
		rules = l
	}
	byDay := map[time.Time]*Holiday{}
	var out []*Holiday
	for _, r := range rules {
		if r.in != nil && !r.in(ags) {
			continue
		}
		actual, _ := r.h.Calc(year)
		if actual.IsZero() {
			continue
		}
		// cal computes in its package-wide DefaultLoc; only the calendar
		// day is taken from it.
		y, m, d := actual.Date()
		day := time.Date(y, m, d, 0, 0, 0, 0, berlin)
		if h, ok := byDay[day]; ok {
			if !strings.Contains(h.Name, r.h.Name) {
				h.Name += ", " + r.h.Name
			}
			continue
		}
		h := &Holiday{Date: day, Name: r.h.Name}
		byDay[day] = h
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	res := make([]Holiday, len(out))
	for i, h := range out {
		res[i] = *h
	}
	return res
}

// land is the 2-digit Land key ("01".."16", as in the AGS) of the 8-digit
// municipality key ags, or "" if ags is not 8 digits.
func land(ags string) string {
	if len(ags) != 8 {
		return ""
	}
	for _, c := range ags {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return ags[:2]
}

// rule is one holiday of a Land: cal computes its date, in says in which of
// the Land's municipalities it is kept (nil: all of them).
type rule struct {
	h  *cal.Holiday
	in func(ags string) bool
}

// Our names where cal's are not the usual ones, and the holidays cal lacks
// or has with the wrong years.
var (
	weihnachtstag1 = de.Weihnachtstag.Clone(&cal.Holiday{Name: "1. Weihnachtstag"})
	weihnachtstag2 = de.ZweiterWeihnachtsfeiertag.Clone(&cal.Holiday{Name: "2. Weihnachtstag"})

	// Berlin: Gesetz über die Sonn- und Feiertage, since 2019.
	frauentagBE = de.Frauentag.Clone(&cal.Holiday{Name: "Internationaler Frauentag", StartYear: 2019})
	// Mecklenburg-Vorpommern: Feiertagsgesetz M-V as amended in 2023.
	frauentagMV = de.Frauentag.Clone(&cal.Holiday{Name: "Internationaler Frauentag", StartYear: 2023})

	// Bremen, Hamburg, Niedersachsen, Schleswig-Holstein since 2018.
	reformationstag2018 = de.Reformationstag.Clone(&cal.Holiday{StartYear: 2018})
	// 500 years of the Reformation: once, in every Land.
	reformationstag2017 = de.Reformationstag.Clone(&cal.Holiday{StartYear: 2017, EndYear: 2017})

	// Brandenburg: its Feiertagsgesetz (§ 2) names both Sundays.
	ostersonntag   = aa.Easter.Clone(&cal.Holiday{Name: "Ostersonntag", Type: cal.ObservancePublic})
	pfingstsonntag = aa.Pentecost.Clone(&cal.Holiday{Name: "Pfingstsonntag", Type: cal.ObservancePublic})

	// Bavaria: FTG Art. 1 (2), city of Augsburg only.
	friedensfest = de.Friedensfest.Clone(&cal.Holiday{Name: "Augsburger Hohes Friedensfest"})

	befreiung2020   = once(2020, time.May, 8, "Tag der Befreiung")
	befreiung2025   = once(2025, time.May, 8, "Tag der Befreiung")
	volksaufstand28 = once(2028, time.June, 17, "Jahrestag des Volksaufstandes vom 17. Juni 1953")
)

// once is a holiday kept in one year only.
func once(year int, m time.Month, d int, name string) *cal.Holiday {
	return &cal.Holiday{Name: name, Type: cal.ObservancePublic, Month: m, Day: d,
		Func: cal.CalcDayOfMonth, StartYear: year, EndYear: year}
}

// augsburg is the AGS of the city of Augsburg, the only place with the
// Friedensfest.
const augsburg = "09761000"

// bavariaNoAssumption lists the Bavarian municipalities known to have no
// Mariä Himmelfahrt holiday.
//
// The law (FTG Art. 1 (1) Nr. 2, (3)) makes 15 August a holiday where more
// Catholics than Protestants live; the Bayerisches Landesamt für Statistik
// fixes the list from the census (since 15 August 2025 the Zensus 2022):
// 1,708 of 2,056 municipalities keep it, 348 (mostly in Mittel- and
// Oberfranken) do not. We do not have the 348 as data, so a Bavarian
// municipality counts as keeping the holiday unless it is listed here. That
// errs on the safe side: a centre in an unlisted Protestant municipality
// loses one bookable day, but nobody is booked on a day a centre is closed.
// Add a municipality here when its status is confirmed from the Landesamt's
// list, with the source.
var bavariaNoAssumption = map[string]bool{
	// Landesamt press releases 2012–2014 and epd 2022 (Zensus 2011); not
	// among the 8 municipalities changed by the Zensus 2022 in 2025.
	"09562000": true, // Erlangen
	"09563000": true, // Fürth
	"09564000": true, // Nürnberg
	// Lost the holiday in 2025 (Zensus 2022; Landesamt, May 2025).
	"09473165": true, // Seßlach
	"09477139": true, // Marktschorgast
	// Landesamt list, Unterfranken, Zensus 2022.
	"09672126": true, // Geroda
	"09673113": true, // Aubstadt
	"09673182": true, // Willmars
	"09674223": true, // Ermershausen
	"09675116": true, // Castell
	"09675150": true, // Martinsheim
	"09675166": true, // Segnitz
	// Landkreis Donau-Ries, Zensus 2022 (Augsburger Allgemeine, 2025).
	"09779111": true, // Alerheim
	"09779136": true, // Ederheim
	"09779146": true, // Forheim
	"09779155": true, // Harburg (Schwaben)
	"09779184": true, // Mönchsdeggingen
	"09779185": true, // Möttingen
	"09779194": true, // Nördlingen
	"09779226": true, // Wechingen
}

// corpusChristiSN lists the municipalities of Sachsen that close on
// Fronleichnam.
//
// Saxon holiday law (SächsSFG and its Fronleichnam ordinance) keeps
// Fronleichnam in Catholic Sorbian places of Landkreis Bautzen, partly by
// Ortsteil: Bautzen (only Bolbritz and Salzenforst), Crostwitz, Göda (only
// Prischwitz), Großdubrau (only Sdier), Hoyerswerda (only Dörgenhausen),
// Königswartha (not in Wartha), Nebelschütz, Neschwitz (only Neschwitz and
// Saritsch), Panschwitz-Kuckau, Puschwitz, Räckelwitz, Radibor,
// Ralbitz-Rosenthal and Wittichenau. An AGS names a municipality, not an
// Ortsteil, so we decide per municipality: closed where the holiday holds in
// the whole municipality or in its main place (Königswartha, Neschwitz);
// open where it holds only in outlying villages of a place that works that
// day (Bautzen, Göda, Großdubrau, Hoyerswerda), since a centre sits in the
// main place and closing the Kreisstadt Bautzen would be wrong for nearly
// everyone there.
var corpusChristiSN = map[string]bool{
	"14625080": true, // Crostwitz
	"14625280": true, // Königswartha
	"14625350": true, // Nebelschütz
	"14625360": true, // Neschwitz
	"14625440": true, // Panschwitz-Kuckau
	"14625460": true, // Puschwitz
	"14625470": true, // Räckelwitz
	"14625490": true, // Radibor
	"14625500": true, // Ralbitz-Rosenthal
	"14625640": true, // Wittichenau
}

// corpusChristiTH lists the municipalities of Thüringen outside Landkreis
// Eichsfeld that close on Fronleichnam; all of Landkreis Eichsfeld (AGS
// 16061…) does.
//
// ThürFGtG § 2 (2) lets the ministry name the municipalities with a
// Catholic majority: all of Landkreis Eichsfeld; in the Unstrut-Hainich-Kreis
// Südeichsfeld and, only in some Ortsteile, Anrode (Bickenriede, Zella),
// Dünwald (Beberstedt, Hüpstedt) and Rodeberg (Struth); in the Wartburgkreis
// Buttlar, Geisa, Schleid and the villages Föhlritz, Steinberg and
// Zella/Rhön, which belong to Dermbach since the municipal mergers (our
// directory has neither Brunnhartshausen nor Zella/Rhön any more). Per municipality, as for Sachsen: the
// small merged municipalities Anrode, Dünwald and Rodeberg have no main
// place that works that day, so they close (the safe side); Dermbach's main
// place works, so it stays open.
var corpusChristiTH = map[string]bool{
	"16063011": true, // Buttlar
	"16063032": true, // Geisa
	"16063068": true, // Schleid
	"16064014": true, // Dünwald
	"16064055": true, // Rodeberg
	"16064073": true, // Anrode
	"16064074": true, // Südeichsfeld
}

// nationwide are the holidays of all of Germany, kept for a key whose Land
// is unknown.
var nationwide = withNames(append(fromCal(de.Holidays), rule{h: reformationstag2017}))

// lands are the holidays of each Land, by Land key: cal's list for the Land
// with our fixes.
var lands = map[string][]rule{
	"01": withNames(append(replace(fromCal(de.HolidaysSH), de.Reformationstag, reformationstag2018), rule{h: reformationstag2017})),
	"02": withNames(append(replace(fromCal(de.HolidaysHH), de.Reformationstag, reformationstag2018), rule{h: reformationstag2017})),
	"03": withNames(append(replace(fromCal(de.HolidaysNI), de.Reformationstag, reformationstag2018), rule{h: reformationstag2017})),
	"04": withNames(append(replace(fromCal(de.HolidaysHB), de.Reformationstag, reformationstag2018), rule{h: reformationstag2017})),
	"05": withNames(append(fromCal(de.HolidaysNW), rule{h: reformationstag2017})),
	"06": withNames(append(fromCal(de.HolidaysHE), rule{h: reformationstag2017})),
	"07": withNames(append(fromCal(de.HolidaysRP), rule{h: reformationstag2017})),
	"08": withNames(append(fromCal(de.HolidaysBW), rule{h: reformationstag2017})),
	"09": withNames(append(fromCal(de.HolidaysBY),
		rule{h: reformationstag2017},
		rule{h: friedensfest, in: func(ags string) bool { return ags == augsburg }},
		rule{h: de.MariaHimmelfahrt, in: func(ags string) bool { return !bavariaNoAssumption[ags] }},
	)),
	"10": withNames(append(fromCal(de.HolidaysSL), rule{h: reformationstag2017})),
	"11": withNames(append(replace(fromCal(de.HolidaysBE), de.Frauentag, frauentagBE),
		rule{h: reformationstag2017},
		rule{h: befreiung2020}, rule{h: befreiung2025}, rule{h: volksaufstand28},
	)),
	"12": withNames(append(fromCal(de.HolidaysBB), rule{h: ostersonntag}, rule{h: pfingstsonntag})),
	"13": withNames(append(fromCal(de.HolidaysMV), rule{h: frauentagMV})),
	"14": withNames(append(fromCal(de.HolidaysSN),
		rule{h: de.Fronleichnam, in: func(ags string) bool { return corpusChristiSN[ags] }},
	)),
	"15": withNames(fromCal(de.HolidaysST)),
	"16": withNames(append(fromCal(de.HolidaysTH),
		rule{h: de.Fronleichnam, in: func(ags string) bool { return strings.HasPrefix(ags, "16061") || corpusChristiTH[ags] }},
	)),
}

// fromCal makes rules for all of a Land from cal's list.
func fromCal(hs []*cal.Holiday) []rule {
	rs := make([]rule, len(hs))
	for i, h := range hs {
		rs[i] = rule{h: h}
	}
	return rs
}

// replace puts ours in the place of cal's old; if cal's list no longer has
// old (a later cal fixed it differently), ours is added all the same.
func replace(rs []rule, old, ours *cal.Holiday) []rule {
	for i := range rs {
		if rs[i].h == old {
			rs[i].h = ours
			return rs
		}
	}
	return append(rs, rule{h: ours})
}

// withNames gives Christmas the usual names ("1./2. Weihnachtstag").
func withNames(rs []rule) []rule {
	for i := range rs {
		switch rs[i].h {
		case de.Weihnachtstag:
			rs[i].h = weihnachtstag1
		case de.ZweiterWeihnachtsfeiertag:
			rs[i].h = weihnachtstag2
		}
	}
	return rs
}
