# Recompute every Krippendorff's alpha of this replication package from its files and print
# it beside the application's (reliability.csv).
#
#   install.packages("irr")      # irr (which installs lpSolve); nothing else beyond base R
#   Rscript reproduce.R          # in the unzipped package's folder (or: Rscript reproduce.R DIR)
#
# Checked with R 4.2.2 and irr 0.84.1 (bench/README.md, "reproduce.R"). Exit status 1 when a
# figure differs from the application's by more than 1e-9.
#
# The same rule as the application (and reproduce.py): only cases whose assigned coders (at
# least two) have all submitted count (coding_status.csv); only codings under the current
# codebook; text attributes are not compared; a multiple-choice attribute is one nominal
# category per set of options, and each option a yes/no row on the cases where the coder
# coded the attribute (with a "none" option, nothing ticked means not coded); alpha at the
# attribute's level (attributes.csv), ordinal scales ordered as the options (options.csv).
# Single-coded cases are in codings.csv and left out here.
suppressPackageStartupMessages(library(irr))

args <- commandArgs(trailingOnly = TRUE)
folder <- if (length(args) > 0) args[1] else "."
read <- function(name) {
  read.csv(file.path(folder, name), colClasses = "character", na.strings = character(0),
           fileEncoding = "UTF-8")
}
tolerance <- 1e-9

attributes <- read("attributes.csv")
options <- read("options.csv")
status <- read("coding_status.csv")
codings <- read("codings.csv")
expected <- read("reliability.csv")
version <- if (nrow(attributes) > 0) attributes$codebook_version[1] else ""

assigned <- status[status$assigned == "yes", ]
n_assigned <- table(assigned$case)
n_submitted <- table(assigned$case[assigned$status == "submitted"])
complete <- names(n_assigned)[n_assigned >= 2]
submitted <- as.integer(n_submitted[complete])
submitted[is.na(submitted)] <- 0L
complete <- complete[submitted == as.integer(n_assigned[complete])]
current <- paste(status$case, status$coder)[status$status == "submitted" &
                                            status$codebook_version == version]
kept <- codings[codings$case %in% complete & paste(codings$case, codings$coder) %in% current, ]
left_out <- setdiff(unique(codings$case), complete)
cat(sprintf(paste0("%d cases whose assigned coders all submitted are compared; %d coded cases ",
                   "are left out (coded by one coder, or not all assigned coders submitted), ",
                   "as the application leaves them out.\n"), length(complete), length(left_out)))
# Which, and why, as reproduce.py says it: the case numbers, at most 30 per reason.
coded_by <- tapply(codings$coder, codings$case, function(x) length(unique(x)))
waiting <- unique(assigned$case[assigned$status != "submitted"])
reason <- ifelse(coded_by[left_out] == 1, "coded by one coder only",
                 ifelse(left_out %in% waiting, "an assigned coder has not submitted",
                        "fewer than two coders assigned"))
for (why in c("coded by one coder only", "an assigned coder has not submitted",
              "fewer than two coders assigned")) {
  these <- left_out[reason == why]
  these <- these[order(suppressWarnings(as.numeric(these)), these)]
  if (length(these) == 0) next
  more <- if (length(these) > 30) sprintf(" and %d more", length(these) - 30) else ""
  cat(sprintf("  left out, %s: %s%s\n", why, paste(head(these, 30), collapse = ", "), more))
}

coders <- sort(unique(kept$coder))
units <- sort(unique(kept$case))

# A coders x units matrix of numbers (NA = not coded) from the attribute's rows.
as_matrix <- function(rows, convert) {
  m <- matrix(NA_real_, nrow = length(coders), ncol = length(units))
  if (nrow(rows) > 0) {
    m[cbind(match(rows$coder, coders), match(rows$case, units))] <-
      vapply(rows$value, convert, numeric(1), USE.NAMES = FALSE)
  }
  m
}

# Alpha of a coders x units matrix, NA where undefined (no two pairable values, or one value
# only). Units with fewer than two values carry no pairable value: left out before irr sees
# them (they do not change alpha). irr's kripp.alpha (0.84.1) weighs each unit's pairs by
# 1 / (values in the unit - 1) only when the matrix holds an NA, and by 1 otherwise, which is
# wrong for three or more coders who all coded every unit; a coder row of NA only (no value,
# so no pair) makes it take the right weights in every case.
alpha <- function(m, level) {
  m <- m[, colSums(!is.na(m)) >= 2, drop = FALSE]
  observed <- m[!is.na(m)]
  if (length(observed) < 2 || length(unique(observed)) < 2) return(NA_real_)
  kripp.alpha(rbind(m, NA_real_), method = level)$value
}

results <- list()
add <- function(key, option, value) {
  results[[length(results) + 1]] <<- list(attribute = key, option = option, alpha = value)
}
for (i in seq_len(nrow(attributes))) {
  a <- attributes[i, ]
  if (a$kind == "text") next
  rows <- kept[kept$attribute == a$attribute, ]
  keys <- options[options$attribute == a$attribute, ]
  keys <- keys$option[order(as.integer(keys$order))]
  if (a$kind == "single") {
    add(a$attribute, "", alpha(as_matrix(rows, function(v) match(v, keys)), a$level))
  } else if (a$kind == "boolean") {
    add(a$attribute, "", alpha(as_matrix(rows, function(v) as.numeric(v == "yes")), "nominal"))
  } else if (a$kind == "number") {
    add(a$attribute, "", alpha(as_matrix(rows, as.numeric), a$level))
  } else {
    none <- a$none_option
    chosen <- function(v) {
      picked <- sort(strsplit(v, ";", fixed = TRUE)[[1]])
      if (length(picked) == 0 && none != "") return(NULL)
      picked
    }
    if (nrow(rows) > 0) {
      sets <- vapply(rows$value, function(v) {
        p <- chosen(v)
        if (is.null(p)) NA_character_ else paste(p, collapse = ";")
      }, character(1))
    } else {
      sets <- character(0)
    }
    levels <- sort(unique(sets[!is.na(sets)]))
    set_rows <- rows
    set_rows$value <- sets
    set_rows <- set_rows[!is.na(set_rows$value), ]
    add(a$attribute, "", alpha(as_matrix(set_rows, function(v) match(v, levels)), "nominal"))
    for (option in keys) {
      add(a$attribute, option, alpha(as_matrix(set_rows, function(v) {
        as.numeric(option %in% strsplit(v, ";", fixed = TRUE)[[1]])
      }), "nominal"))
    }
  }
}

worst <- 0
cat(sprintf("%-28s %-24s %12s %12s  match\n", "attribute", "option", "recomputed", "app"))
show <- function(v) if (is.na(v)) "undefined" else sprintf("%.6f", v)
for (r in results) {
  row <- expected[expected$attribute == r$attribute & expected$option == r$option, ]
  theirs <- if (nrow(row) == 1 && row$krippendorff_alpha != "")
    as.numeric(row$krippendorff_alpha) else NA_real_
  ok <- nrow(row) == 1 && ((is.na(r$alpha) && is.na(theirs)) ||
        (!is.na(r$alpha) && !is.na(theirs) && abs(r$alpha - theirs) <= tolerance))
  if (!ok) worst <- Inf else if (!is.na(theirs)) worst <- max(worst, abs(r$alpha - theirs))
  cat(sprintf("%-28s %-24s %12s %12s  %s\n", r$attribute, r$option, show(r$alpha),
              show(theirs), if (ok) "yes" else "NO"))
}
cat(sprintf("Largest difference: %.3g (tolerance %g).\n", worst, tolerance))
quit(status = if (worst <= tolerance) 0 else 1)
