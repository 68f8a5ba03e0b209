// Writes the fixture date-holidays-2026-2027.json: the public holidays
// (type "public") that the npm package date-holidays knows for every German
// Land and for each of its regions, in 2026 and 2027. See README.md.
const Holidays = require('date-holidays');
const version = require('date-holidays/package.json').version;

const states = ['BW', 'BY', 'BE', 'BB', 'HB', 'HH', 'HE', 'MV', 'NI', 'NW', 'RP', 'SL', 'SN', 'ST', 'SH', 'TH'];
const years = [2026, 2027];
const all = new Holidays();

const lines = [];
for (const state of states) {
  const regions = [undefined, ...Object.keys(all.getRegions('DE', state) || {}).sort()];
  for (const region of regions) {
    const hd = region ? new Holidays('DE', state, region) : new Holidays('DE', state);
    const days = [];
    for (const year of years) {
      for (const h of hd.getHolidays(year, 'de')) {
        if (h.type !== 'public') continue;
        // h.date is the local calendar day in Europe/Berlin, "YYYY-MM-DD hh:mm:ss".
        days.push('   ' + JSON.stringify({ date: h.date.slice(0, 10), name: h.name }));
      }
    }
    const key = 'DE-' + state + (region ? '-' + region : '');
    lines.push('  ' + JSON.stringify(key) + ': [\n' + days.join(',\n') + '\n  ]');
  }
}
process.stdout.write('{\n' +
  ' "source": "date-holidays",\n' +
  ' "version": ' + JSON.stringify(version) + ',\n' +
  ' "type": "public",\n' +
  ' "years": ' + JSON.stringify(years) + ',\n' +
  ' "regions": {\n' + lines.join(',\n') + '\n }\n}\n');
