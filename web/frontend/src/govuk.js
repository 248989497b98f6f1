// Every page: GOV.UK Frontend's components (error summary focus, radios, details, header menu).
import { initAll } from 'govuk-frontend';

initAll();
