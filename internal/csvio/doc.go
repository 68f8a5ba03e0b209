// Package csvio reads and writes the CSV lists (counselling centres,
// counsellors) that back-office staff exchange with the platform.
//
// The files are made with Excel or LibreOffice on office PCs, so the package
// accepts what those programs actually write, not only what RFC 4180 says:
// German Excel separates cells with ';' because the comma is the decimal
// separator, "CSV UTF-8" starts the file with a byte order mark, and the plain
// "CSV" format of older Excel versions is Windows-1252, not UTF-8. Read
// detects all of this and reports what it found (Table.Encoding,
// Table.Delimiter), so that a surprising import can be explained to the user.
//
// Read refuses what is not a table, with a message that tells staff how to
// save the file correctly: files larger than MaxFileBytes or with more than
// MaxRows rows, workbooks (.xlsx, .xls, .ods), PDFs, images and other binary
// data, UTF-16 "Unicode text", HTML/XML/RTF, and files whose first line has no
// separator. Problems confined to single rows (too many cells, overlong
// cells, a stray quote) do not reject the whole file: they come back as
// RowProblems with the line number, so staff can fix the few rows instead of
// guessing why the whole upload failed.
//
// Writer produces files that Excel opens correctly by double-click and that
// cannot smuggle formulas into the spreadsheet of whoever opens the export
// (see SafeCell).
package csvio
